"""`tutor lmsauth rotate-client NAME` for a declared app: new credentials registered beside the
old ones, the app restarted on them, the old ones retired; every LMS job run against a stand-in
LMS as Tutor starts it, and the credentials tried on its real token endpoint."""

import pytest
import requests

from devstack.tutor_project import LMS_HOST, enabled_project, kill_at
from tests.plugin.conftest import NOTEBOOKS

ROTATE = ("lmsauth", "rotate-client", "notebooks")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("app-rotation-template")
    return enabled_project(root, {"LMS_HOST": LMS_HOST, "LMSAUTH_APPS": {"notebooks": NOTEBOOKS}})


@pytest.fixture
def site(template, tmp_path, standin_lms_factory):
    """A fresh copy of the project, provisioned into a stand-in LMS of its own."""
    root = template.copy(tmp_path / "root")
    lms = standin_lms_factory()
    run(root, lms, "local", "do", "lmsauth-sync")
    return root, lms


def run(root, lms, *args: str, **env: str) -> str:
    """`tutor ARGS`, LMS jobs run as they start; the docker log then holds this command's calls."""
    root.actions()
    result = root.run(*args, env={**lms.live_jobs(root), **env})
    assert result.returncode == 0, result.output
    return result.output


def app_credentials(root) -> tuple[str, str]:
    """What the app's container is given (its compose environment)."""
    env = root.compose("local")["services"]["notebooks"]["environment"]
    return env["OAUTH_CLIENT_ID"], env["OAUTH_CLIENT_SECRET"]


def works(lms, credentials) -> bool:
    """Whether the LMS knows these credentials: it refuses an authorization-code client the
    client-credentials grant (400), and unknown credentials with 401."""
    response = requests.post(
        lms.url + "/oauth2/access_token",
        data={"grant_type": "client_credentials"},
        auth=credentials,
        timeout=30,
    )
    assert response.status_code in (400, 401), response.text
    return response.status_code == 400


def recreated(root) -> list[str]:
    """The services the last command recreated (`docker compose ... up ... SERVICE`)."""
    return [call[-1] for call in root.calls() if "up" in call]


def pending_code(lms, client_id: str) -> str:
    """An authorization code the LMS issued to `client_id` for the learner, not yet exchanged."""
    lms.shell(
        "from datetime import timedelta\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from oauth2_provider.models import Application, Grant\n"
        f"app = Application.objects.get(client_id={client_id!r})\n"
        "Grant.objects.create(application=app, code='pending-sign-in', scope='user_id',\n"
        "    user=get_user_model().objects.get(username='learner'),\n"
        "    redirect_uri=app.redirect_uris.split()[0],\n"
        "    expires=timezone.now() + timedelta(minutes=5))\n"
    )
    return "pending-sign-in"


def test_a_rotation_moves_the_app_to_new_credentials_and_retires_the_old(site):
    root, lms = site
    old = app_credentials(root)
    assert works(lms, old)

    registered = run(root, lms, *ROTATE, "--runner", "local", "--step")

    following = root.config()["LMSAUTH_APP_CREDENTIALS"]["notebooks"]["next"]
    new = (following["client_id"], following["client_secret"])
    assert new[0].startswith("notebooks-sso-") and works(lms, new) and works(lms, old)
    assert app_credentials(root) == old and recreated(root) == []
    assert old[1] not in registered and new[1] not in registered
    status = root.tutor("lmsauth", "status")
    assert "rotation under way (phase done: registered)" in status

    switched = run(root, lms, *ROTATE, "--resume", "--step")

    assert app_credentials(root) == new and recreated(root) == ["notebooks"]
    assert works(lms, old) and new[1] not in switched
    code = pending_code(lms, old[0])

    run(root, lms, *ROTATE, "--resume")

    assert works(lms, new) and not works(lms, old)
    assert app_credentials(root) == new
    # A sign-in the old credentials started finishes on the new ones.
    answer = requests.post(
        lms.url + "/oauth2/access_token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"http://notebooks.{LMS_HOST}/hub/oauth_callback",
        },
        auth=new,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    names = [row[0] for row in lms.query("SELECT name FROM oauth2_provider_application")]
    assert "notebooks-sso" in names and "notebooks-sso.next" not in names
    assert "Credentials rotation under way" not in root.tutor("lmsauth", "status")
    # A later provisioning run keeps it that way.
    run(root, lms, "local", "do", "lmsauth-sync")
    assert works(lms, new) and not works(lms, old)


def test_an_interrupted_rotation_resumes_where_it_stopped(site):
    root, lms = site
    old = app_credentials(root)

    # Killed when Tutor recreates the app, the second phase.
    root.actions()
    killed = root.run(*ROTATE, "--runner", "local", env={**lms.live_jobs(root), **kill_at("up", 1)})
    assert killed.returncode < 0

    run(root, lms, *ROTATE, "--resume")

    new = app_credentials(root)
    assert new != old and works(lms, new) and not works(lms, old)
    assert recreated(root)[:1] == ["notebooks"]


def test_an_abort_before_the_switch_keeps_the_old_credentials(site):
    root, lms = site
    old = app_credentials(root)
    run(root, lms, *ROTATE, "--runner", "local", "--step", "--client-id", "nb-next")

    run(root, lms, *ROTATE, "--abort")

    assert app_credentials(root) == old and works(lms, old)
    client_ids = [row[0] for row in lms.query("SELECT client_id FROM oauth2_provider_application")]
    assert "nb-next" not in client_ids and old[0] in client_ids


def test_once_switched_the_rotation_can_only_go_on(site):
    root, lms = site
    run(root, lms, *ROTATE, "--runner", "local", "--step")
    run(root, lms, *ROTATE, "--resume", "--step")

    refused = root.run(*ROTATE, "--abort")

    assert refused.returncode != 0
    assert "already runs on its next credentials" in refused.output
