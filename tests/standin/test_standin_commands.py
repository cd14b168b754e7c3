"""The stand-in's management commands keep the LMS's behaviour and quirks."""

import subprocess
import sys

import pytest
import requests

from devstack.paths import LMS_DIR
from devstack.standin import redirect_params
from tests.standin.conftest import CALLBACK


def application(lms, name):
    """The stored application and its scopes, read from the database."""
    (row,) = lms.query(
        "SELECT a.client_id, a.client_secret, a.redirect_uris, a.skip_authorization,"
        " a.client_type, a.authorization_grant_type, x.scopes, u.username"
        " FROM oauth2_provider_application a JOIN auth_user u ON u.id = a.user_id"
        " LEFT JOIN oauth_dispatch_applicationaccess x ON x.application_id = a.id"
        " WHERE a.name = ?",
        (name,),
    )
    keys = "client_id client_secret redirect_uris skip_authorization client_type grant_type"
    app = dict(zip([*keys.split(), "scopes", "owner"], row, strict=True))
    app["skip_authorization"] = bool(app["skip_authorization"])
    app["scopes"] = app["scopes"].split(",") if app["scopes"] is not None else None
    return app


def user_flags(lms, username):
    """(staff, superuser, usable password, has a profile)."""
    (row,) = lms.query(
        "SELECT u.is_staff, u.is_superuser, u.password NOT LIKE '!%', p.id IS NOT NULL"
        " FROM auth_user u LEFT JOIN auth_userprofile p ON p.user_id = u.id WHERE u.username = ?",
        (username,),
    )
    return tuple(bool(value) for value in row)


@pytest.fixture(scope="module")
def owner(standin_lms):
    standin_lms.manage("manage_user", "cmd-owner", "cmd-owner@example.com", "--unusable-password")
    return "cmd-owner"


def test_create_dot_application_registers_and_logs_the_secret(standin_lms, owner):
    result = standin_lms.manage(
        "create_dot_application", "cmd-app", owner,
        "--grant-type", "authorization-code",
        "--redirect-uris", f"{CALLBACK} http://127.0.0.1:9/other/",
        "--skip-authorization",
        "--client-id", "cmd-app-id",
        "--client-secret", "cmd-app-secret-0123456789",
        "--scopes", "user_id,profile",
    )  # fmt: skip
    assert "cmd-app-secret-0123456789" not in result.stdout + result.stderr
    assert application(standin_lms, "cmd-app") == {
        "client_id": "cmd-app-id",
        "client_secret": "cmd-app-secret-0123456789",
        "redirect_uris": f"{CALLBACK} http://127.0.0.1:9/other/",
        "skip_authorization": True,
        "client_type": "confidential",
        "grant_type": "authorization-code",
        "scopes": ["user_id", "profile"],
        "owner": owner,
    }
    log = standin_lms.log_path.read_text()
    assert "client id cmd-app-id, client secret cmd-app-secret-0123456789" in log


def test_registered_application_can_sign_in_with_its_scopes(standin_lms, owner):
    standin_lms.manage(
        "create_dot_application", "cmd-flow", owner,
        "--grant-type", "authorization-code", "--redirect-uris", CALLBACK,
        "--skip-authorization", "--client-id", "cmd-flow-id", "--client-secret", "cmd-flow-secret",
        "--scopes", "user_id",
    )  # fmt: skip
    client = standin_lms.client_by_id("cmd-flow-id")
    session = standin_lms.signed_in_session()
    code = redirect_params(standin_lms.authorize(session, client, scope="user_id profile"))["code"]
    assert standin_lms.exchange_code(client, code).status_code == 200


def test_existing_application_is_left_unchanged_without_update(standin_lms, owner):
    standin_lms.manage("create_dot_application", "cmd-keep", owner, "--redirect-uris", CALLBACK)
    before = application(standin_lms, "cmd-keep")
    result = standin_lms.manage(
        "create_dot_application", "cmd-keep", owner,
        "--redirect-uris", "http://127.0.0.1:9/changed/", "--skip-authorization",
        "--client-secret", "a-new-secret", "--scopes", "user_id",
    )  # fmt: skip
    assert result.returncode == 0
    after = application(standin_lms, "cmd-keep")
    # The access row did not exist, so it is created; the application itself is untouched.
    assert after == {**before, "scopes": ["user_id"]}


def test_update_rewrites_every_field(standin_lms, owner):
    standin_lms.manage(
        "create_dot_application", "cmd-upd", owner,
        "--grant-type", "authorization-code", "--redirect-uris", CALLBACK,
        "--skip-authorization", "--public", "--client-secret", "first-secret",
        "--scopes", "user_id",
    )  # fmt: skip
    standin_lms.manage(
        "create_dot_application",
        "cmd-upd",
        owner,
        "--update",
        "--redirect-uris",
        "http://x.test/cb/",
    )
    updated = application(standin_lms, "cmd-upd")
    assert updated["redirect_uris"] == "http://x.test/cb/"
    assert updated["skip_authorization"] is False  # omitted flag: back to the default
    assert updated["client_type"] == "confidential"
    assert updated["grant_type"] == "client-credentials"
    assert updated["client_secret"] == "first-secret"  # an omitted secret is kept
    assert updated["scopes"] == ["user_id"]  # no --scopes: access untouched

    standin_lms.manage(
        "create_dot_application", "cmd-upd", owner, "--update", "--scopes", "profile",
        "--client-secret", "second-secret",
    )  # fmt: skip
    updated = application(standin_lms, "cmd-upd")
    assert (updated["scopes"], updated["client_secret"]) == (["profile"], "second-secret")
    log = standin_lms.log_path.read_text()
    assert "rewrote application cmd-upd" in log and "client secret second-secret" in log


def test_create_dot_application_needs_an_existing_owner(standin_lms):
    result = standin_lms.manage("create_dot_application", "orphan", "no-such-user", check=False)
    assert result.returncode != 0
    assert "DoesNotExist" in result.stderr


def test_manage_user_sets_exactly_the_flags_given(standin_lms):
    standin_lms.manage(
        "manage_user", "cmd-admin", "cmd-admin@example.com", "--staff", "--superuser"
    )
    assert user_flags(standin_lms, "cmd-admin") == (True, True, True, True)
    standin_lms.manage("manage_user", "cmd-admin", "cmd-admin@example.com", "--staff")
    assert user_flags(standin_lms, "cmd-admin") == (True, False, True, True)
    standin_lms.manage("manage_user", "cmd-admin", "CMD-admin@example.com", "--unusable-password")
    assert user_flags(standin_lms, "cmd-admin") == (False, False, False, True)


def test_manage_user_refuses_an_email_mismatch(standin_lms):
    standin_lms.manage("manage_user", "cmd-mail", "cmd-mail@example.com")
    result = standin_lms.manage("manage_user", "cmd-mail", "other@example.com", check=False)
    assert result.returncode != 0
    assert "does not match" in result.stderr


def test_manage_py_runs_from_its_folder_with_the_lms_word(standin_lms):
    result = subprocess.run(
        ["./manage.py", "lms", "shell", "-c",
         "from django.conf import settings; print(settings.LMS_ROOT_URL)"],
        cwd=LMS_DIR, env=standin_lms.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip().endswith(standin_lms.url)
    result = subprocess.run(
        [sys.executable, str(LMS_DIR / "manage.py"), "lms", "showmigrations", "oauth_dispatch"],
        env=standin_lms.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "[X] 0001_initial" in result.stdout


def test_request_log_has_one_json_line_per_request(standin_lms):
    before = len(standin_lms.requests_log())
    requests.get(standin_lms.url + "/api/user/v1/me", timeout=10)
    entries = standin_lms.requests_log()[before:]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/user/v1/me", 401)
    ]
    assert entries[0]["remote"] == entries[0]["client_ip"] == "127.0.0.1"
    assert entries[0]["forwarded_for"] == "" and entries[0]["time"] > 0


def test_manage_user_remove(standin_lms):
    standin_lms.manage("manage_user", "cmd-gone", "cmd-gone@example.com")
    standin_lms.manage("manage_user", "cmd-gone", "cmd-gone@example.com", "--remove")
    assert standin_lms.query("SELECT id FROM auth_user WHERE username = 'cmd-gone'") == []
