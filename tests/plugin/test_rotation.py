"""`tutor lmsauth rotate-secret` with the real Tutor CLI and the fake docker: the phases in
order, what each leaves in config and in the app's environment, resuming and rolling back after
an interruption, refused secrets, and no secret in any output."""

import re

import pytest

from devstack.tutor_project import LMS_HOST, enabled_project, kill_at
from tutorplugin.config import CLIENT_SECRET as SECRET
from tutorplugin.config import PREVIOUS_CLIENT_SECRET as PREVIOUS
from tutorplugin.config import ROTATION as STATE

ROTATE = ("lmsauth", "rotate-secret")


@pytest.fixture(scope="module")
def configured_root(tmp_path_factory):
    return enabled_project(tmp_path_factory.mktemp("rotation-template"), {"LMS_HOST": LMS_HOST})


@pytest.fixture
def root(configured_root, tmp_path):
    return configured_root.copy(tmp_path / "root")


def secrets_of(root):
    values = root.config()
    return values[SECRET], values.get(PREVIOUS, "")


def assert_no_secret(output, *secrets):
    for secret in secrets:
        assert secret and secret not in output


def test_rotation_recreates_the_app_syncs_the_lms_then_drops_the_old_secret(root):
    old, _ = secrets_of(root)

    result = root.run(*ROTATE, "--runner", "local")

    assert result.returncode == 0, result.output
    new, previous = secrets_of(root)
    assert new != old and re.fullmatch(r"[A-Za-z0-9]{64}", new)
    assert previous == ""
    assert STATE not in root.config()
    app_env = root.app_env()
    assert (app_env[SECRET], app_env[PREVIOUS]) == (new, "")
    # Nor in any command line Tutor ran (docker echoes them, and process lists show them).
    assert_no_secret(root.docker_log.read_text(encoding="utf-8"), old, new)
    done = root.actions()
    assert [action.kind for action in done] == ["recreate", "sync", "recreate"]
    assert {action.project for action in done} == {"tutor_local"}
    assert "lmsauth-sync" in done[1].script
    assert "Secret rotation finished" in result.output
    assert_no_secret(result.output, old, new)


def test_each_step_leaves_the_recorded_phase_and_the_environment_it_promises(root):
    old, _ = secrets_of(root)

    first = root.run(*ROTATE, "--runner", "local", "--step")
    assert first.returncode == 0, first.output
    new, previous = secrets_of(root)
    assert previous == old and new != old
    assert root.config()[STATE] == {"runner": "local", "phase": "staged", "rolling_back": False}
    # Saved but not yet applied: nothing recreated, but the next recreation picks both up.
    assert root.actions() == []
    assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (new, old)
    status = root.run("lmsauth", "status")
    assert "phase 1/4 staged done, next app-updated" in status.output

    expected = [("app-updated", ["recreate"]), ("lms-updated", ["sync"])]
    for phase, kinds in expected:
        step = root.run(*ROTATE, "--resume", "--step")
        assert step.returncode == 0, step.output
        assert root.config()[STATE]["phase"] == phase
        assert [action.kind for action in root.actions()] == kinds
        assert secrets_of(root) == (new, old)
        assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (new, old)
        assert_no_secret(step.output, old, new)

    last = root.run(*ROTATE, "--resume", "--step")
    assert last.returncode == 0, last.output
    assert STATE not in root.config()
    assert [action.kind for action in root.actions()] == ["recreate"]
    assert secrets_of(root) == (new, "")
    assert root.app_env()[PREVIOUS] == ""
    assert "No secret rotation under way" in root.run("lmsauth", "status").output


def test_status_shows_fingerprints_not_secrets(root):
    root.run(*ROTATE, "--runner", "local", "--step")
    new, old = secrets_of(root)

    status = root.run("lmsauth", "status")

    assert status.returncode == 0, status.output
    assert "client id lmsauth-sso" in status.output
    assert re.search(
        r"secret sha256:[0-9a-f]{12}  previous secret sha256:[0-9a-f]{12}", status.output
    )
    assert "Secret rotation under way (runner local)" in status.output
    assert_no_secret(status.output, old, new)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("short-secret", "needs between 32 and 128"),
        ("x" * 129, "needs between 32 and 128"),
        ("has a space and is long enough for the length rule", "may only contain letters"),
        ("quote'and$dollar-are-refused-even-when-long-enough", "may only contain letters"),
    ],
)
def test_a_bad_secret_is_refused_and_changes_nothing(root, secret, message):
    before = root.config_file.read_bytes(), root.app_env_file.read_bytes()

    result = root.run(*ROTATE, "--runner", "local", "--secret", secret)

    assert result.returncode != 0
    assert message in result.output and "Nothing was changed" in result.output
    assert (root.config_file.read_bytes(), root.app_env_file.read_bytes()) == before
    assert root.actions() == []


def test_the_secret_in_use_is_refused(root):
    current, _ = secrets_of(root)

    result = root.run(*ROTATE, "--runner", "local", env={"LMSAUTH_NEW_CLIENT_SECRET": current})

    assert result.returncode != 0
    assert "is the one in use" in result.output
    assert secrets_of(root) == (current, "")
    assert_no_secret(result.output, current)


def test_an_operator_secret_from_the_environment_is_used_and_never_printed(root):
    chosen = "Operator.chosen_secret~with-every-allowed-character-0123456789"

    result = root.run(*ROTATE, "--runner", "local", env={"LMSAUTH_NEW_CLIENT_SECRET": chosen})

    assert result.returncode == 0, result.output
    assert secrets_of(root) == (chosen, "")
    assert_no_secret(result.output, chosen)


def test_an_exported_secret_does_not_block_resuming_the_rotation_it_started(root):
    chosen = "Exported.secret~kept-in-the-shell-for-every-later-command-0123"
    exported = {"LMSAUTH_NEW_CLIENT_SECRET": chosen}
    root.run(*ROTATE, "--runner", "local", "--step", env=exported)

    resumed = root.run(*ROTATE, "--resume", env=exported)

    assert resumed.returncode == 0, resumed.output
    assert secrets_of(root) == (chosen, "")
    # Typed on the command line, it is still refused: it would be silently ignored.
    root.run(*ROTATE, "--runner", "local", "--step")
    typed = root.run(*ROTATE, "--resume", "--secret", chosen)
    assert typed.returncode != 0
    assert "--secret only applies when a rotation starts" in typed.output


def test_a_second_rotation_is_refused_while_one_is_under_way(root):
    root.run(*ROTATE, "--runner", "local", "--step")
    before = secrets_of(root)

    result = root.run(*ROTATE, "--runner", "local")

    assert result.returncode != 0
    assert "already under way (phase staged" in result.output
    assert secrets_of(root) == before
    assert root.actions() == []


@pytest.mark.parametrize("flag", ["--resume", "--abort"])
def test_resume_and_abort_need_a_rotation(root, flag):
    result = root.run(*ROTATE, flag)

    assert result.returncode != 0
    assert "No rotation is under way" in result.output


def test_a_rotation_continues_with_its_own_runner_only(root):
    root.run(*ROTATE, "--runner", "local", "--step")
    before = root.config()

    for flag in ("--resume", "--abort"):
        result = root.run(*ROTATE, flag, "--runner", "dev")
        assert result.returncode != 0
        assert "runs with --runner local" in result.output
    assert root.config() == before
    assert root.actions() == []


def test_dev_runner_recreates_and_syncs_in_the_dev_project(root):
    result = root.run(*ROTATE, "--runner", "dev")

    assert result.returncode == 0, result.output
    assert [(a.kind, a.project) for a in root.actions()] == [
        ("recreate", "tutor_dev"),
        ("sync", "tutor_dev"),
        ("recreate", "tutor_dev"),
    ]


@pytest.mark.parametrize("steps_before", [1, 2])
def test_abort_before_the_lms_switched_rolls_back_the_same_safe_way(root, steps_before):
    old, _ = secrets_of(root)
    root.run(*ROTATE, "--runner", "local", "--step")
    new, _ = secrets_of(root)
    for _ in range(steps_before - 1):
        root.run(*ROTATE, "--resume", "--step")
    root.actions()

    first = root.run(*ROTATE, "--abort", "--step")

    # The old secret is current again, and the new one stays accepted until the LMS is back.
    assert first.returncode == 0, first.output
    assert secrets_of(root) == (old, new)
    assert root.config()[STATE] == {"runner": "local", "phase": "staged", "rolling_back": True}
    assert "Rollback of a secret rotation under way" in root.run("lmsauth", "status").output
    again = root.run(*ROTATE, "--abort")
    assert again.returncode != 0 and "already being rolled back" in again.output

    rest = root.run(*ROTATE, "--resume")

    assert rest.returncode == 0, rest.output
    assert "Rollback finished" in rest.output
    assert secrets_of(root) == (old, "")
    assert STATE not in root.config()
    assert [action.kind for action in root.actions()] == ["recreate", "sync", "recreate"]
    assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (old, "")
    assert_no_secret(first.output + rest.output, old, new)


def test_abort_is_refused_once_the_lms_has_the_new_secret(root):
    root.run(*ROTATE, "--runner", "local", "--step")
    for _ in range(2):
        root.run(*ROTATE, "--resume", "--step")
    before = root.config()

    result = root.run(*ROTATE, "--abort")

    assert result.returncode != 0
    assert "The LMS already uses the new secret" in result.output
    assert root.config() == before


def test_killed_during_the_lms_job_then_resumed(root, tmp_path):
    old, _ = secrets_of(root)

    killed = root.run(*ROTATE, "--runner", "local", env=kill_at("run", 1))

    assert killed.returncode < 0  # SIGKILL
    new, previous = secrets_of(root)
    assert previous == old
    assert root.config()[STATE]["phase"] == "app-updated"
    assert [action.kind for action in root.actions()] == ["recreate", "sync"]

    resumed = root.run(*ROTATE, "--resume")

    assert resumed.returncode == 0, resumed.output
    # The interrupted job runs again (it is idempotent), then the old secret goes.
    assert [action.kind for action in root.actions()] == ["sync", "recreate"]
    assert secrets_of(root) == (new, "")
    assert STATE not in root.config()


def test_killed_during_the_lms_job_then_rolled_back(root, tmp_path):
    old, _ = secrets_of(root)
    root.run(*ROTATE, "--runner", "local", env=kill_at("run", 1))
    root.actions()

    rolled_back = root.run(*ROTATE, "--abort")

    # The job may have reached the LMS: going back syncs the LMS again, app first.
    assert rolled_back.returncode == 0, rolled_back.output
    assert [action.kind for action in root.actions()] == ["recreate", "sync", "recreate"]
    assert secrets_of(root) == (old, "")
    assert STATE not in root.config()


def test_killed_while_recreating_the_app_without_the_old_secret_then_resumed(root, tmp_path):
    killed = root.run(*ROTATE, "--runner", "local", env=kill_at("up", 2))

    assert killed.returncode < 0
    new, previous = secrets_of(root)
    # Config already dropped the old secret, but the phase is not recorded as done.
    assert previous == ""
    assert root.config()[STATE]["phase"] == "lms-updated"
    assert "next finished" in root.run("lmsauth", "status").output
    root.actions()

    resumed = root.run(*ROTATE, "--resume")

    assert resumed.returncode == 0, resumed.output
    assert [action.kind for action in root.actions()] == ["recreate"]
    assert secrets_of(root) == (new, "")
    assert STATE not in root.config()


def test_a_secret_pinned_in_the_environment_is_refused(root):
    before = root.config_file.read_bytes()

    result = root.run(*ROTATE, "--runner", "local", env={"TUTOR_LMSAUTH_CLIENT_SECRET": "p" * 64})

    assert result.returncode != 0
    assert "TUTOR_LMSAUTH_CLIENT_SECRET is set in the environment" in result.output
    assert root.config_file.read_bytes() == before
    assert root.actions() == []
