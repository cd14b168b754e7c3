"""Provisioning through the real `tutor local|dev do ...`, its job run against the stand-in LMS.

The fake docker records the job Tutor would start; its script then runs for real in the
stand-in LMS folder, with the LMS settings Tutor rendered, and the stand-in's database shows
what a real LMS would now hold.
"""

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devstack.provisioning import (
    StandinDatabase,
    expected_application,
    new_project,
    registered,
    rendered_clients,
    sync_script,
)
from devstack.standin import running_standin_lms
from tutorplugin.client_secrets import fingerprint

BUNDLED = "lmsauth-sso"


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """A running stand-in LMS, plus a pristine copy of its migrated database."""
    workdir = tmp_path_factory.mktemp("provision-lms")
    with running_standin_lms(workdir / "server") as server:
        pristine = workdir / "pristine.sqlite3"
        shutil.copyfile(server.db_path, pristine)
        server.pristine_db = pristine
        yield server


@pytest.fixture
def lms_db(lms, tmp_path):
    """A database of this test's own, copied from the freshly migrated one."""
    return StandinDatabase.copy_of(lms.pristine_db, tmp_path / "lms", lms.env)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return new_project(tmp_path_factory.mktemp("tutor-root"))


def docker_run_calls(project) -> list[list[str]]:
    return [args for args in project.calls() if "run" in args]


def test_local_init_registers_every_client_once_in_three_runs(project, lms_db):
    script = sync_script(project.captured_scripts(["local", "do", "init", "--limit", "lmsauth"]))
    lms_call = next(args for args in docker_run_calls(project) if args[-1] == script)
    assert "tutor_local" in lms_call and "lms-job" in lms_call

    settings = project.lms_settings()
    clients = rendered_clients(settings)
    assert [client["name"] for client in clients] == [BUNDLED, "backend", "reports"]

    runs = [lms_db.run_job(script, settings) for _ in range(3)]

    for run in runs:
        assert run.returncode == 0, run.stderr
    assert registered(lms_db) == {
        client["name"]: expected_application(client) for client in clients
    }
    bundled = registered(lms_db)[BUNDLED]
    assert bundled["client_id"] == "lmsauth-sso"
    assert bundled["client_secret"] == project.config()["LMSAUTH_CLIENT_SECRET"]
    assert bundled["redirect_uris"] == [
        "http://lmsauth.local.openedx.io/auth/callback/",
        "http://lmsauth.local.openedx.io:8790/auth/callback/",
    ]
    assert (bundled["grant_type"], bundled["client_type"]) == ("authorization-code", "confidential")
    assert bundled["skip_authorization"] is True
    assert bundled["scopes"] == ["user_id", "profile", "email"]
    # The owner is a service account nobody can sign in as, with a profile like every LMS user.
    assert lms_db.password_of("lmsauth").startswith("!")
    assert lms_db.query(
        "SELECT count(*) FROM auth_userprofile p JOIN auth_user u ON u.id = p.user_id"
        " WHERE u.username = 'lmsauth'"
    ) == [(1,)]
    # One line per client and run: created once, then left alone, with the secret's fingerprint
    # (the one `tutor lmsauth` commands show, so an operator can tell which secret the LMS has).
    for client in clients:
        line = f"lmsauth-sync: {client['name']}: "
        secret_tag = f"secret {fingerprint(client['client_secret'])}"
        assert f"{line}created" in runs[0].stdout
        assert f"{line}unchanged" in runs[1].stdout
        assert f"{line}unchanged" in runs[2].stdout
        assert all(secret_tag in run.stdout for run in runs)


def test_extra_clients_are_registered_as_configured(project, lms_db):
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))

    run = lms_db.run_job(script, project.lms_settings())

    assert run.returncode == 0, run.stderr
    apps = registered(lms_db)
    reports, backend = apps["reports"], apps["backend"]
    assert reports["redirect_uris"] == ["https://reports.example.com/oauth/complete/"]
    assert reports["scopes"] == ["user_id", "email"]
    assert (reports["grant_type"], reports["skip_authorization"]) == ("authorization-code", False)
    assert (backend["client_id"], backend["grant_type"]) == (
        "backend-service",
        "client-credentials",
    )
    assert backend["redirect_uris"] == [] and backend["scopes"] == []
    # Each extra client has a long secret of its own.
    secrets_ = {app["client_secret"] for app in apps.values()}
    assert len(secrets_) == 3 and min(map(len, secrets_)) >= 32


def test_dev_init_runs_the_same_job_with_the_development_settings(project, lms_db):
    script = sync_script(project.captured_scripts(["dev", "do", "init", "--limit", "lmsauth"]))
    lms_call = next(args for args in docker_run_calls(project) if args[-1] == script)
    assert "tutor_dev" in lms_call
    development = project.lms_settings("development")

    run = lms_db.run_job(script, development)

    assert run.returncode == 0, run.stderr
    assert registered(lms_db) == {
        client["name"]: expected_application(client) for client in rendered_clients(development)
    }
    # Signing out of the LMS signs out of the app, wherever it runs.
    logout = "/auth/logout/lms/"
    assert f"'http://lmsauth.local.openedx.io:8790{logout}'" in development.read_text()
    assert f"'http://lmsauth.local.openedx.io{logout}'" in project.lms_settings().read_text()


def test_sync_applies_changed_settings_in_place(tmp_path, lms_db):
    project = new_project(tmp_path / "tutor")
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))
    assert lms_db.run_job(script, project.lms_settings()).returncode == 0
    before = registered(lms_db)
    ids_before = {app["name"]: app["id"] for app in lms_db.applications()}

    new_secret = "rotated-" + "x" * 56
    project.save(
        {
            "LMSAUTH_CLIENT_SECRET": new_secret,
            "LMSAUTH_HOST": "signin.local.openedx.io",
            "LMSAUTH_SCOPES": ["user_id", "profile"],
            "LMSAUTH_SKIP_AUTHORIZATION": False,
        }
    )
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))
    run = lms_db.run_job(script, project.lms_settings())

    assert run.returncode == 0, run.stderr
    after = registered(lms_db)
    assert after[BUNDLED] == {
        **before[BUNDLED],
        "client_secret": new_secret,
        "redirect_uris": [
            "http://signin.local.openedx.io/auth/callback/",
            "http://signin.local.openedx.io:8790/auth/callback/",
        ],
        "scopes": ["user_id", "profile"],
        "skip_authorization": False,
    }
    assert {name: after[name] for name in ("backend", "reports")} == {
        name: before[name] for name in ("backend", "reports")
    }
    # Updated in place: the same rows, so tokens and grants of the app survive.
    assert {app["name"]: app["id"] for app in lms_db.applications()} == ids_before
    assert (
        f"{BUNDLED}: updated client_secret, redirect_uris, skip_authorization, scopes" in run.stdout
    )
    assert f"secret {fingerprint(new_secret)}" in run.stdout


def test_client_id_held_by_another_application_fails_and_changes_nothing(tmp_path, lms_db):
    project = new_project(tmp_path / "tutor")
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))
    settings = project.lms_settings()
    assert lms_db.run_job(script, settings).returncode == 0
    # Another application (as Tutor registers Studio's) already holds the id we are about to use.
    other = lms_db.run_job(
        "./manage.py lms manage_user cms cms@openedx --unusable-password\n"
        "./manage.py lms create_dot_application cms-sso cms --client-id studio-sso"
        " --grant-type authorization-code --redirect-uris http://studio.local.openedx.io/done/",
        settings,
    )
    assert other.returncode == 0, other.stderr
    # Two changes at once: a conflicting client id, and a secret that must not be applied either.
    project.save({"LMSAUTH_CLIENT_ID": "studio-sso", "LMSAUTH_CLIENT_SECRET": "y" * 64})
    before = lms_db.snapshot()

    run = lms_db.run_job(script, settings)

    assert run.returncode != 0
    assert (
        'client id "studio-sso" of "lmsauth-sso" (owner lmsauth) is already used by the '
        'application "cms-sso"' in run.stderr
    )
    assert "owner cms" in run.stderr and "Nothing was changed" in run.stderr
    assert "Traceback" not in run.stderr
    assert lms_db.snapshot() == before


def test_job_without_the_plugin_settings_says_what_to_do(project, lms_db, tmp_path):
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))
    bare_settings = tmp_path / "production.py"
    bare_settings.write_text("# rendered without the lmsauth plugin\n", encoding="utf-8")

    run = lms_db.run_job(script, bare_settings)

    assert run.returncode != 0
    assert "LMSAUTH_OAUTH_CLIENTS is not in the LMS settings" in run.stderr
    assert "tutor config save" in run.stderr
    assert lms_db.applications() == []


def test_provisioned_client_signs_a_user_in(project, lms):
    """The registration is usable: authorization code, then a token for the configured secret."""
    script = sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))
    server_db = StandinDatabase(lms.db_path, lms.log_path, lms.env)
    assert server_db.run_job(script, project.lms_settings()).returncode == 0
    redirect_uri = "http://lmsauth.local.openedx.io/auth/callback/"
    secret = project.config()["LMSAUTH_CLIENT_SECRET"]

    browser = lms.signed_in_session()
    authorize = browser.get(
        lms.url + "/oauth2/authorize/",
        params={
            "client_id": "lmsauth-sso",
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": "user_id profile email",
            "state": "s1",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert authorize.status_code == 302
    assert authorize.headers["Location"].startswith(redirect_uri + "?")
    code = parse_qs(urlsplit(authorize.headers["Location"]).query)["code"][0]

    def exchange(client_secret: str) -> requests.Response:
        return requests.post(
            lms.url + "/oauth2/access_token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": "lmsauth-sso",
                "client_secret": client_secret,
            },
            timeout=10,
        )

    assert exchange("not-" + secret).status_code == 401
    token = exchange(secret)
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == {"user_id", "profile", "email"}


def test_full_init_registers_the_clients_after_the_lms_migrations(project):
    jobs = project.captured_scripts(["local", "do", "init"])

    scripts = [script for _, script in jobs]
    sync = scripts.index(sync_script(jobs))
    migrations = next(i for i, script in enumerate(scripts) if "./manage.py lms migrate" in script)
    assert migrations < sync
