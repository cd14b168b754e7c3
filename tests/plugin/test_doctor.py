"""`tutor lmsauth doctor` on the integrated set-up: the real command, its LMS job run against the
stand-in LMS as Tutor starts it, the running app asked at its /readyz. Each drift is made by
hand, reported on one line with its fix, and that fix (run through Tutor) clears it."""

import contextlib

import pytest
import yaml

from devstack.docker_actor import DockerActor
from devstack.provisioning import secrets_of
from devstack.stack import running_stack
from devstack.standin import keys
from devstack.tutor_project import LMS_HOST, enabled_project
from tests.plugin.conftest import NOTEBOOKS
from tutorplugin.client_secrets import fingerprint
from tutorplugin.config import CLIENT_SECRET

SYNC_FIX = "Fix: `tutor local do lmsauth-sync`"
START_FIX = "Fix: `tutor local start -d lmsauth`"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(workdir=tmp_path_factory.mktemp("stack")) as running:
        yield running


def doctor(stack, runner: str = "local") -> tuple[int, list[str]]:
    """Exit status and check lines of `tutor lmsauth doctor --runner RUNNER`."""
    outcome = stack.tutor.run("lmsauth", "doctor", "--runner", runner, env=stack.live_jobs())
    for name, secret in secrets_of(stack.tutor).items():
        assert secret not in outcome.output, f"{name} is in the doctor's output"
    lines = [line for line in outcome.output.splitlines() if line.startswith(("OK ", "PROBLEM "))]
    return outcome.returncode, lines


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("PROBLEM ")]


def assert_healthy(stack) -> list[str]:
    status, lines = doctor(stack)
    assert problems(lines) == []
    assert status == 0
    return lines


def assert_problems(stack, *expected: str, runner: str = "local") -> list[str]:
    """The doctor reports exactly these problems, and fails."""
    status, lines = doctor(stack, runner)
    assert problems(lines) == list(expected)
    assert status == 1
    return lines


def change_in_lms(stack, code: str) -> None:
    """Edit the LMS's copy of the bundled app's application, as an admin would (`app`)."""
    stack.lms.shell(
        "from oauth2_provider.models import Application\n"
        "app = Application.objects.get(name='lmsauth-sso')\n" + code
    )


def sync(stack) -> None:
    stack.run_tutor_jobs("local", "do", "lmsauth-sync")


def tutor_with_docker(stack, *args: str) -> None:
    """`tutor ARGS` whose docker calls are carried out on the stack (the app restarted, the LMS
    job run)."""
    with DockerActor(stack) as actor:
        outcome = stack.tutor.run(*args, env=actor.env())
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert not actor.errors


def test_a_healthy_platform_passes_every_check(stack):
    lines = assert_healthy(stack)
    public = stack.app_url
    secret = fingerprint(stack.tutor.config()[CLIENT_SECRET])
    for expected in [
        "OK lmsauth-sso: registered in the LMS (owner lmsauth)",
        f"OK lmsauth-sso: secret {secret}",
        "OK lmsauth-sso: redirect URIs "
        f"{public}/auth/callback/ http://lmsauth.openedx.localhost:8790/auth/callback/",
        "OK lmsauth-sso: scopes user_id profile email",
        "OK app lmsauth: ready at http://lmsauth:8000/readyz",
        f"OK app lmsauth: redirect URI {public}/auth/callback/, as the config",
        f"OK app lmsauth: JWT issuer {stack.lms_url}/oauth2, as the LMS",
        "OK rotation: no secret rotation under way",
    ]:
        assert expected in lines
    assert [line for line in lines if line.startswith("OK app lmsauth: JWT keys sha256:")]


def test_a_redirect_uri_edited_in_the_lms(stack):
    public = f"{stack.app_url}/auth/callback/"
    edit = f"app.redirect_uris = app.redirect_uris.replace({public!r}, 'https://x.test/cb/')"
    change_in_lms(stack, edit + "\napp.save()")
    assert_problems(
        stack,
        f"PROBLEM lmsauth-sso: the LMS's redirect URIs lacks {public} and has https://x.test/cb/ "
        f"that the config does not. {SYNC_FIX}",
    )
    sync(stack)
    assert_healthy(stack)


def test_a_secret_changed_in_the_lms(stack):
    change_in_lms(stack, "app.client_secret = 'changed-by-hand-' * 4\napp.save()")
    configured = fingerprint(stack.tutor.config()[CLIENT_SECRET])
    assert_problems(
        stack,
        f"PROBLEM lmsauth-sso: the LMS has the secret {fingerprint('changed-by-hand-' * 4)}, the "
        f"config {configured}. {SYNC_FIX}",
    )
    sync(stack)
    assert_healthy(stack)


def test_an_application_deleted_in_the_lms(stack):
    change_in_lms(stack, "app.delete()")
    # One line for the client; the app, still running, is checked as usual.
    lines = assert_problems(
        stack,
        'PROBLEM lmsauth-sso: the LMS has no application "lmsauth-sso" owned by lmsauth. '
        + SYNC_FIX,
    )
    assert "OK app lmsauth: ready at http://lmsauth:8000/readyz" in lines
    sync(stack)
    assert_healthy(stack)


def test_an_app_that_is_not_running(stack):
    stack.app.stop()
    status, lines = doctor(stack)
    assert status == 1
    (problem,) = problems(lines)
    assert problem.startswith("PROBLEM app lmsauth: no answer at http://lmsauth:8000/readyz (")
    assert problem.endswith(START_FIX)
    tutor_with_docker(stack, "local", "start", "-d", "lmsauth")
    assert_healthy(stack)


@contextlib.contextmanager
def jwt_key(stack, private_key: str):
    """JWT_RSA_PRIVATE_KEY set in config.yml (as an operator edits it), then `config save`;
    the previous key is put back afterwards."""
    config = stack.tutor.config()
    previous = config["JWT_RSA_PRIVATE_KEY"]

    def save(key: str) -> None:
        stack.tutor.config_file.write_text(
            yaml.safe_dump({**stack.tutor.config(), "JWT_RSA_PRIVATE_KEY": key}), encoding="utf-8"
        )
        stack.tutor.save()

    save(private_key)
    try:
        yield
    finally:
        save(previous)
        stack.restart_app()


def test_the_jwt_key_changed(stack):
    with jwt_key(stack, keys.generate_private_key_pem()):
        status, lines = doctor(stack)
        assert status == 1
        (problem,) = problems(lines)
        assert problem.startswith("PROBLEM app lmsauth: it uses the JWT keys sha256:")
        assert ", the LMS signs with sha256:" in problem
        assert problem.endswith(START_FIX)
        # The app started again on the environment Tutor rendered with the new key.
        tutor_with_docker(stack, "local", "start", "-d", "lmsauth")
        assert_healthy(stack)


def test_a_rotation_left_half_way(stack):
    old = fingerprint(stack.tutor.config()[CLIENT_SECRET])
    stack.tutor.tutor("lmsauth", "rotate-secret", "--runner", "local", "--step")
    new = fingerprint(stack.tutor.config()[CLIENT_SECRET])
    resume = "Fix: `tutor lmsauth rotate-secret --resume`"
    assert_problems(
        stack,
        f"PROBLEM lmsauth-sso: the LMS has the secret {old}, the config {new} (the LMS still has "
        f"the secret before the rotation under way). {resume}",
        "PROBLEM rotation: Secret rotation under way (runner local): phase 1/4 staged done, "
        "next app-updated (the app accepts the new secret and the old one). " + resume,
    )
    tutor_with_docker(stack, "lmsauth", "rotate-secret", "--resume")
    assert_healthy(stack)


def test_under_tutor_dev_the_app_must_run_with_its_dev_url(stack):
    """The stack's app runs as under `tutor local`: under `tutor dev` it would have the wrong
    redirect URI, and the doctor reads the clients with the dev platform's LMS job."""
    stack.tutor.docker_log.write_text("", encoding="utf-8")
    assert_problems(
        stack,
        f"PROBLEM app lmsauth: it uses the redirect URI {stack.app_url}/auth/callback/, the config "
        "http://lmsauth.openedx.localhost:8790/auth/callback/. Fix: `tutor dev start -d lmsauth`",
        runner="dev",
    )
    (job,) = [call for call in stack.tutor.calls() if "lms-job" in call]
    assert job[job.index("--project-name") + 1] == "tutor_dev"


def test_on_kubernetes_the_job_log_is_read(stack):
    output, record = stack.tutor.k8s("lmsauth", "doctor", "--runner", "k8s", env=stack.live_jobs())
    lines = [line for line in output.splitlines() if line.startswith(("OK ", "PROBLEM "))]
    assert problems(lines) == []
    assert "OK lmsauth-sso: registered in the LMS (owner lmsauth)" in lines
    assert "OK app lmsauth: ready at http://lmsauth:8000/readyz" in lines
    # The LMS settings ConfigMaps are applied first: the Job mounts them by content hash.
    applies = [call for call in record["kubectl"] if call[:1] == ["apply"]]
    assert "app.kubernetes.io/name=openedx" in applies[0]
    for name, secret in secrets_of(stack.tutor).items():
        assert secret not in output, f"{name} is in the doctor's output"


def test_a_declared_apps_client_and_its_rotation(tmp_path, standin_lms_factory):
    """A declared app's client is checked like the bundled app's; its running app is not asked
    (only the bundled app reports what it uses), and a rotation left half-way is reported."""
    root = enabled_project(
        tmp_path, {"LMS_HOST": LMS_HOST, "LMSAUTH_APPS": {"notebooks": NOTEBOOKS}}
    )
    lms = standin_lms_factory()

    def tutor(*args: str):
        root.actions()
        return root.run(*args, env=lms.live_jobs(root))

    assert tutor("local", "do", "lmsauth-sync").returncode == 0
    outcome = tutor("lmsauth", "doctor", "--runner", "local")
    lines = [line for line in outcome.output.splitlines() if line.startswith(("OK ", "PROBLEM "))]
    notebooks = [line for line in lines if "notebooks" in line]
    assert "OK notebooks-sso: registered in the LMS (owner lmsauth)" in notebooks
    assert "OK rotation notebooks: no credentials rotation under way" in notebooks
    assert not problems(notebooks)

    assert (
        tutor("lmsauth", "rotate-client", "notebooks", "--runner", "local", "--step").returncode
        == 0
    )
    outcome = tutor("lmsauth", "doctor", "--runner", "local")
    assert outcome.returncode == 1
    (rotation,) = [line for line in outcome.output.splitlines() if "rotation notebooks" in line]
    assert rotation.startswith(
        "PROBLEM rotation notebooks: credentials rotation under way (phase done: registered), "
        "next client id notebooks-"
    )
    assert rotation.endswith("Fix: `tutor lmsauth rotate-client notebooks --resume`")
    # Both of its applications are in the LMS as the config says.
    subjects = ("OK notebooks-sso", "PROBLEM notebooks-sso")
    clients = [line for line in outcome.output.splitlines() if line.startswith(subjects)]
    assert "OK notebooks-sso.next: registered in the LMS (owner lmsauth)" in clients
    assert not problems(clients)
    for secret in secrets_of(root).values():
        assert secret not in outcome.output
