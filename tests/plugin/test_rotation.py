"""`tutor lmsauth rotate-secret` with the real Tutor CLI and the fake docker: the phases in
order, what each leaves in config and in the app's environment, resuming and rolling back after
an interruption, refused secrets, and no secret in any output."""

import re

import pytest

from tests.plugin.rotation_support import (
    PREVIOUS,
    SECRET,
    STATE,
    actions,
    config,
    crashing_docker,
    fresh_copy,
    project_template,
    tutor,
)

ROTATE = ("lmsauth", "rotate-secret")


@pytest.fixture(scope="module")
def configured_root(tmp_path_factory):
    return project_template(tmp_path_factory.mktemp("rotation-template"), {})


@pytest.fixture
def root(configured_root, tmp_path):
    return fresh_copy(configured_root, tmp_path / "root")


def secrets_of(root):
    values = config(root)
    return values[SECRET], values.get(PREVIOUS, "")


def assert_no_secret(output, *secrets):
    for secret in secrets:
        assert secret and secret not in output


def test_rotation_recreates_the_app_syncs_the_lms_then_drops_the_old_secret(root):
    old, _ = secrets_of(root)

    result = tutor(root, *ROTATE, "--runner", "local")

    assert result.returncode == 0, result.output
    new, previous = secrets_of(root)
    assert new != old and re.fullmatch(r"[A-Za-z0-9]{64}", new)
    assert previous == ""
    assert STATE not in config(root)
    app_env = root.app_env()
    assert (app_env[SECRET], app_env[PREVIOUS]) == (new, "")
    # Nor in any command line Tutor ran (docker echoes them, and process lists show them).
    assert_no_secret(root.docker_log.read_text(encoding="utf-8"), old, new)
    done = actions(root)
    assert [action.kind for action in done] == ["recreate", "sync", "recreate"]
    assert {action.project for action in done} == {"tutor_local"}
    assert "lmsauth-sync" in done[1].script
    assert "Secret rotation finished" in result.output
    assert_no_secret(result.output, old, new)


def test_each_step_leaves_the_recorded_phase_and_the_environment_it_promises(root):
    old, _ = secrets_of(root)

    first = tutor(root, *ROTATE, "--runner", "local", "--step")
    assert first.returncode == 0, first.output
    new, previous = secrets_of(root)
    assert previous == old and new != old
    assert config(root)[STATE] == {"runner": "local", "phase": "staged", "rolling_back": False}
    # Saved but not yet applied: nothing recreated, but the next recreation picks both up.
    assert actions(root) == []
    assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (new, old)
    status = tutor(root, "lmsauth", "status")
    assert "phase 1/4 staged done, next app-updated" in status.output

    expected = [("app-updated", ["recreate"]), ("lms-updated", ["sync"])]
    for phase, kinds in expected:
        step = tutor(root, *ROTATE, "--resume", "--step")
        assert step.returncode == 0, step.output
        assert config(root)[STATE]["phase"] == phase
        assert [action.kind for action in actions(root)] == kinds
        assert secrets_of(root) == (new, old)
        assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (new, old)
        assert_no_secret(step.output, old, new)

    last = tutor(root, *ROTATE, "--resume", "--step")
    assert last.returncode == 0, last.output
    assert STATE not in config(root)
    assert [action.kind for action in actions(root)] == ["recreate"]
    assert secrets_of(root) == (new, "")
    assert root.app_env()[PREVIOUS] == ""
    assert "No secret rotation under way" in tutor(root, "lmsauth", "status").output


def test_status_shows_fingerprints_not_secrets(root):
    tutor(root, *ROTATE, "--runner", "local", "--step")
    new, old = secrets_of(root)

    status = tutor(root, "lmsauth", "status")

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
    before = (root.path / "config.yml").read_bytes(), root.app_env_file.read_bytes()

    result = tutor(root, *ROTATE, "--runner", "local", "--secret", secret)

    assert result.returncode != 0
    assert message in result.output and "Nothing was changed" in result.output
    assert ((root.path / "config.yml").read_bytes(), root.app_env_file.read_bytes()) == before
    assert actions(root) == []


def test_the_secret_in_use_is_refused(root):
    current, _ = secrets_of(root)

    result = tutor(root, *ROTATE, "--runner", "local", env={"LMSAUTH_NEW_CLIENT_SECRET": current})

    assert result.returncode != 0
    assert "is the one in use" in result.output
    assert secrets_of(root) == (current, "")
    assert_no_secret(result.output, current)


def test_an_operator_secret_from_the_environment_is_used_and_never_printed(root):
    chosen = "Operator.chosen_secret~with-every-allowed-character-0123456789"

    result = tutor(root, *ROTATE, "--runner", "local", env={"LMSAUTH_NEW_CLIENT_SECRET": chosen})

    assert result.returncode == 0, result.output
    assert secrets_of(root) == (chosen, "")
    assert_no_secret(result.output, chosen)


def test_an_exported_secret_does_not_block_resuming_the_rotation_it_started(root):
    chosen = "Exported.secret~kept-in-the-shell-for-every-later-command-0123"
    exported = {"LMSAUTH_NEW_CLIENT_SECRET": chosen}
    tutor(root, *ROTATE, "--runner", "local", "--step", env=exported)

    resumed = tutor(root, *ROTATE, "--resume", env=exported)

    assert resumed.returncode == 0, resumed.output
    assert secrets_of(root) == (chosen, "")
    # Typed on the command line, it is still refused: it would be silently ignored.
    tutor(root, *ROTATE, "--runner", "local", "--step")
    typed = tutor(root, *ROTATE, "--resume", "--secret", chosen)
    assert typed.returncode != 0
    assert "--secret only applies when a rotation starts" in typed.output


def test_a_second_rotation_is_refused_while_one_is_under_way(root):
    tutor(root, *ROTATE, "--runner", "local", "--step")
    before = secrets_of(root)

    result = tutor(root, *ROTATE, "--runner", "local")

    assert result.returncode != 0
    assert "already under way (phase staged" in result.output
    assert secrets_of(root) == before
    assert actions(root) == []


@pytest.mark.parametrize("flag", ["--resume", "--abort"])
def test_resume_and_abort_need_a_rotation(root, flag):
    result = tutor(root, *ROTATE, flag)

    assert result.returncode != 0
    assert "No rotation is under way" in result.output


def test_a_rotation_continues_with_its_own_runner_only(root):
    tutor(root, *ROTATE, "--runner", "local", "--step")
    before = config(root)

    for flag in ("--resume", "--abort"):
        result = tutor(root, *ROTATE, flag, "--runner", "dev")
        assert result.returncode != 0
        assert "runs with --runner local" in result.output
    assert config(root) == before
    assert actions(root) == []


def test_dev_runner_recreates_and_syncs_in_the_dev_project(root):
    result = tutor(root, *ROTATE, "--runner", "dev")

    assert result.returncode == 0, result.output
    assert [(a.kind, a.project) for a in actions(root)] == [
        ("recreate", "tutor_dev"),
        ("sync", "tutor_dev"),
        ("recreate", "tutor_dev"),
    ]


@pytest.mark.parametrize("steps_before", [1, 2])
def test_abort_before_the_lms_switched_rolls_back_the_same_safe_way(root, steps_before):
    old, _ = secrets_of(root)
    tutor(root, *ROTATE, "--runner", "local", "--step")
    new, _ = secrets_of(root)
    for _ in range(steps_before - 1):
        tutor(root, *ROTATE, "--resume", "--step")
    actions(root)

    first = tutor(root, *ROTATE, "--abort", "--step")

    # The old secret is current again, and the new one stays accepted until the LMS is back.
    assert first.returncode == 0, first.output
    assert secrets_of(root) == (old, new)
    assert config(root)[STATE] == {"runner": "local", "phase": "staged", "rolling_back": True}
    assert "Rollback of a secret rotation under way" in tutor(root, "lmsauth", "status").output
    again = tutor(root, *ROTATE, "--abort")
    assert again.returncode != 0 and "already being rolled back" in again.output

    rest = tutor(root, *ROTATE, "--resume")

    assert rest.returncode == 0, rest.output
    assert "Rollback finished" in rest.output
    assert secrets_of(root) == (old, "")
    assert STATE not in config(root)
    assert [action.kind for action in actions(root)] == ["recreate", "sync", "recreate"]
    assert (root.app_env()[SECRET], root.app_env()[PREVIOUS]) == (old, "")
    assert_no_secret(first.output + rest.output, old, new)


def test_abort_is_refused_once_the_lms_has_the_new_secret(root):
    tutor(root, *ROTATE, "--runner", "local", "--step")
    for _ in range(2):
        tutor(root, *ROTATE, "--resume", "--step")
    before = config(root)

    result = tutor(root, *ROTATE, "--abort")

    assert result.returncode != 0
    assert "The LMS already uses the new secret" in result.output
    assert config(root) == before


def test_killed_during_the_lms_job_then_resumed(root, tmp_path):
    old, _ = secrets_of(root)

    killed = tutor(root, *ROTATE, "--runner", "local", env=crashing_docker(tmp_path, "run", 1))

    assert killed.returncode < 0  # SIGKILL
    new, previous = secrets_of(root)
    assert previous == old
    assert config(root)[STATE]["phase"] == "app-updated"
    assert [action.kind for action in actions(root)] == ["recreate", "sync"]

    resumed = tutor(root, *ROTATE, "--resume")

    assert resumed.returncode == 0, resumed.output
    # The interrupted job runs again (it is idempotent), then the old secret goes.
    assert [action.kind for action in actions(root)] == ["sync", "recreate"]
    assert secrets_of(root) == (new, "")
    assert STATE not in config(root)


def test_killed_during_the_lms_job_then_rolled_back(root, tmp_path):
    old, _ = secrets_of(root)
    tutor(root, *ROTATE, "--runner", "local", env=crashing_docker(tmp_path, "run", 1))
    actions(root)

    rolled_back = tutor(root, *ROTATE, "--abort")

    # The job may have reached the LMS: going back syncs the LMS again, app first.
    assert rolled_back.returncode == 0, rolled_back.output
    assert [action.kind for action in actions(root)] == ["recreate", "sync", "recreate"]
    assert secrets_of(root) == (old, "")
    assert STATE not in config(root)


def test_killed_while_recreating_the_app_without_the_old_secret_then_resumed(root, tmp_path):
    killed = tutor(root, *ROTATE, "--runner", "local", env=crashing_docker(tmp_path, "up", 2))

    assert killed.returncode < 0
    new, previous = secrets_of(root)
    # Config already dropped the old secret, but the phase is not recorded as done.
    assert previous == ""
    assert config(root)[STATE]["phase"] == "lms-updated"
    assert "next finished" in tutor(root, "lmsauth", "status").output
    actions(root)

    resumed = tutor(root, *ROTATE, "--resume")

    assert resumed.returncode == 0, resumed.output
    assert [action.kind for action in actions(root)] == ["recreate"]
    assert secrets_of(root) == (new, "")
    assert STATE not in config(root)


def test_a_secret_pinned_in_the_environment_is_refused(root):
    before = (root.path / "config.yml").read_bytes()

    result = tutor(
        root, *ROTATE, "--runner", "local", env={"TUTOR_LMSAUTH_CLIENT_SECRET": "p" * 64}
    )

    assert result.returncode != 0
    assert "TUTOR_LMSAUTH_CLIENT_SECRET is set in the environment" in result.output
    assert (root.path / "config.yml").read_bytes() == before
    assert actions(root) == []
