"""`tutor lmsauth rotate-client NAME` for a declared app: new credentials registered beside the
old ones, the app restarted on them, the old ones retired; every LMS job run against a stand-in
LMS as Tutor starts it, and the credentials tried on its real token endpoint."""

import pytest
import requests

from devstack.addresses import next_address, session_from
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
    lms.tutor(root, "local", "do", "lmsauth-sync")
    return root, lms


def app_credentials(root) -> tuple[str, str]:
    """What the app's container is given (its compose environment)."""
    env = root.compose("local")["services"]["notebooks"]["environment"]
    return env["OAUTH_CLIENT_ID"], env["OAUTH_CLIENT_SECRET"]


def recreated(root) -> list[str]:
    """The services the last command recreated (`docker compose ... up ... SERVICE`)."""
    return [call[-1] for call in root.calls() if "up" in call]


def pending_code(lms, client_id: str, code: str) -> str:
    """An authorization code the LMS issued to `client_id` for the learner, not yet exchanged."""
    lms.shell(
        "from datetime import timedelta\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.utils import timezone\n"
        "from oauth2_provider.models import Application, Grant\n"
        f"app = Application.objects.get(client_id={client_id!r})\n"
        f"Grant.objects.create(application=app, code={code!r}, scope='user_id',\n"
        "    user=get_user_model().objects.get(username='learner'),\n"
        "    redirect_uri=app.redirect_uris.split()[0],\n"
        "    expires=timezone.now() + timedelta(minutes=5))\n"
    )
    return code


def exchange(lms, code: str, credentials: tuple[str, str]) -> requests.Response:
    """The app's exchange of an authorization code for a token, with `credentials`."""
    return requests.post(
        lms.url + "/oauth2/access_token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"http://notebooks.{LMS_HOST}/hub/oauth_callback",
        },
        auth=credentials,
        timeout=30,
    )


def test_a_rotation_moves_the_app_to_new_credentials_and_retires_the_old(site):
    root, lms = site
    old = app_credentials(root)
    assert lms.accepts(old)

    registered = lms.tutor(root, *ROTATE, "--runner", "local", "--step")

    following = root.config()["LMSAUTH_APP_CREDENTIALS"]["notebooks"]["next"]
    new = (following["client_id"], following["client_secret"])
    assert new[0].startswith("notebooks-sso-") and lms.accepts(new) and lms.accepts(old)
    assert app_credentials(root) == old and recreated(root) == []
    assert old[1] not in registered and new[1] not in registered
    status = root.tutor("lmsauth", "status")
    assert "rotation under way (phase done: registered)" in status

    before_the_switch = pending_code(lms, old[0], "issued-before-the-switch")
    root.actions()

    switched = lms.tutor(root, *ROTATE, "--resume", "--step")

    assert app_credentials(root) == new and new[1] not in switched
    # The app is stopped while the LMS hands the codes pending on the old application to the
    # new one, then starts on the new credentials: a sign-in under way finishes on them.
    assert [(a.kind, a.service) for a in root.actions()] == [
        ("stop", "notebooks"),
        ("sync", ""),
        ("recreate", "notebooks"),
    ]
    assert "1 pending sign-in(s) handed from" in switched
    assert exchange(lms, before_the_switch, new).status_code == 200
    assert lms.accepts(old)
    during_the_switch = pending_code(lms, old[0], "issued-during-the-switch")

    lms.tutor(root, *ROTATE, "--resume")

    assert lms.accepts(new) and not lms.accepts(old)
    assert app_credentials(root) == new
    answer = exchange(lms, during_the_switch, new)
    assert answer.status_code == 200, answer.text
    names = [row[0] for row in lms.query("SELECT name FROM oauth2_provider_application")]
    assert "notebooks-sso" in names and "notebooks-sso.next" not in names
    assert "Credentials rotation under way" not in root.tutor("lmsauth", "status")
    # A later provisioning run keeps it that way.
    lms.tutor(root, "local", "do", "lmsauth-sync")
    assert lms.accepts(new) and not lms.accepts(old)


@pytest.mark.parametrize("verb", ["stop", "up"])
def test_an_interrupted_rotation_resumes_where_it_stopped(site, verb):
    """Killed in the second phase, with the app stopped (before the LMS job) or being started
    on the new credentials (after it): resuming starts the app on them."""
    root, lms = site
    old = app_credentials(root)

    root.actions()
    killed = root.run(*ROTATE, "--runner", "local", env={**lms.live_jobs(root), **kill_at(verb, 1)})
    assert killed.returncode < 0
    code = pending_code(lms, old[0], "issued-before-the-kill")

    lms.tutor(root, *ROTATE, "--resume")

    new = app_credentials(root)
    assert new != old and lms.accepts(new) and not lms.accepts(old)
    assert recreated(root)[-1:] == ["notebooks"]
    assert exchange(lms, code, new).status_code == 200


def test_an_abort_before_the_switch_keeps_the_old_credentials(site):
    root, lms = site
    old = app_credentials(root)
    lms.tutor(root, *ROTATE, "--runner", "local", "--step", "--client-id", "nb-next")

    lms.tutor(root, *ROTATE, "--abort")

    assert app_credentials(root) == old and lms.accepts(old)
    client_ids = [row[0] for row in lms.query("SELECT client_id FROM oauth2_provider_application")]
    assert "nb-next" not in client_ids and old[0] in client_ids


def test_once_switched_the_rotation_can_only_go_on(site):
    root, lms = site
    lms.tutor(root, *ROTATE, "--runner", "local", "--step")
    lms.tutor(root, *ROTATE, "--resume", "--step")

    refused = root.run(*ROTATE, "--abort")

    assert refused.returncode != 0
    assert "already runs on its next credentials" in refused.output


def token_answers(lms, address: str, credentials: tuple[str, str], count: int) -> list[int]:
    """The status of `count` code exchanges (of a code the LMS never issued) made from
    `address` with `credentials` in the form, as JupyterHub sends them."""
    session = session_from(address)
    form = {"grant_type": "authorization_code", "code": "never-issued", "redirect_uri": "x"}
    form |= {"client_id": credentials[0], "client_secret": credentials[1]}
    return [
        session.post(lms.url + "/oauth2/access_token", data=form, timeout=10).status_code
        for _ in range(count)
    ]


def test_an_apps_token_requests_leave_the_lms_limit_also_with_a_rotations_new_client(
    template, tmp_path, standin_lms_factory
):
    """A declared app does not tell the LMS its users' addresses: its token requests (from its
    container's private address) count in a bucket of their own, and so do those with the new
    client id of a rotation, which the LMS, started before the rotation, never read in its
    settings. A caller with a wrong secret keeps the LMS's limit."""
    root = template.copy(tmp_path / "root")
    lms = standin_lms_factory(tutor_settings=root.lms_settings())
    lms.tutor(root, "local", "do", "lmsauth-sync")
    lms.tutor(root, *ROTATE, "--runner", "local", "--step")
    following = root.config()["LMSAUTH_APP_CREDENTIALS"]["notebooks"]["next"]
    new = (following["client_id"], following["client_secret"])

    beyond_the_limit = 130
    for credentials in (app_credentials(root), new):
        answers = token_answers(lms, next_address(time_left=30), credentials, beyond_the_limit)
        assert answers == [400] * beyond_the_limit  # invalid_grant, from the toolkit
    guessed = (new[0], "guessed-" + "x" * 32)
    answers = token_answers(lms, next_address(time_left=30), guessed, 121)
    assert answers == [401] * 120 + [429]
