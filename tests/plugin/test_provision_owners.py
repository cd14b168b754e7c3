"""The LMS service users that own the OAuth applications: lmsauth-sync creates and marks its own,
recognises them later (and those an earlier version made), and never uses or changes an account
it did not create. The job runs as Tutor would run it, against a stand-in LMS database."""

import json
import re

import pytest

from devstack.provisioning import new_project, registered, sync_script

OWNER_SETTING = "lmsauth-reports"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The bundled app, `backend` (owned by lmsauth too) and `reports`, owned by a service user
    of its own."""
    project = new_project(tmp_path_factory.mktemp("tutor-root"))
    clients = project.config()["LMSAUTH_EXTRA_CLIENTS"]
    clients["reports"]["username"] = OWNER_SETTING
    project.save({"LMSAUTH_EXTRA_CLIENTS": clients})
    return project


@pytest.fixture(scope="module")
def sync(project):
    return sync_script(project.captured_scripts(["local", "do", "lmsauth-sync"]))


def run_sync(lms_db, project, sync):
    return lms_db.run_job(sync, project.lms_settings())


def make_user(lms_db, project, username, email, *flags):
    """An LMS account made with the LMS's own `manage_user` (a usable, unknown password unless
    --unusable-password)."""
    script = " ".join(["./manage.py lms manage_user", username, email, *flags])
    made = lms_db.run_job(script, project.lms_settings())
    assert made.returncode == 0, made.stderr


def account(lms_db, username):
    (row,) = lms_db.query(
        "SELECT u.email, u.password, u.last_login, p.meta FROM auth_user u"
        " LEFT JOIN auth_userprofile p ON p.user_id = u.id WHERE u.username = ?",
        username,
    )
    email, password, last_login, meta = row
    return {"email": email, "password": password, "last_login": last_login, "meta": meta}


def marked(lms_db, username) -> bool:
    meta = account(lms_db, username)["meta"]
    return json.loads(meta or "{}").get("lmsauth_service_user") is True


@pytest.mark.parametrize("username", ["lmsauth", "LMSAuth"])
def test_a_persons_account_named_like_the_owner_is_left_alone(project, sync, lms_db, username):
    """A learner who registered "lmsauth" (or "LMSAuth": the LMS's MySQL compares usernames
    without case) keeps their account, and the sync changes nothing at all."""
    make_user(lms_db, project, username, "someone@example.com")
    before = lms_db.snapshot()

    run = run_sync(lms_db, project, sync)

    assert run.returncode != 0
    assert re.search(
        f'the LMS account "{username}" \\(id [0-9]+\\) would own the client "lmsauth-sso", '
        "but lmsauth-sync did not create it",
        run.stderr,
    )
    assert "rename it in the LMS admin" in run.stderr and "Nothing was changed." in run.stderr
    assert "Traceback" not in run.stderr
    assert lms_db.snapshot() == before
    assert not account(lms_db, username)["password"].startswith("!")


def test_an_extra_clients_owner_is_guarded_the_same_way(project, sync, lms_db):
    make_user(lms_db, project, OWNER_SETTING, "reports-team@example.com")
    before = lms_db.snapshot()

    run = run_sync(lms_db, project, sync)

    assert run.returncode != 0
    assert re.search(
        f'"{OWNER_SETTING}" \\(id [0-9]+\\) would own the client "reports"', run.stderr
    )
    assert "or give the client another username" in run.stderr
    # Checked before anything was written: not even the bundled app's owner was created.
    assert lms_db.snapshot() == before


def test_the_service_users_the_sync_created_are_recognised_later(project, sync, lms_db):
    first = run_sync(lms_db, project, sync)
    assert first.returncode == 0, first.stderr
    for username in ("lmsauth", OWNER_SETTING):
        assert f"lmsauth-sync: service user {username}: created" in first.stdout
        assert marked(lms_db, username)
        assert account(lms_db, username)["password"].startswith("!")
    assert registered(lms_db)["reports"]["username"] == OWNER_SETTING

    second = run_sync(lms_db, project, sync)

    assert second.returncode == 0, second.stderr
    assert "lmsauth-sync: service user lmsauth: unchanged" in second.stdout
    assert f"lmsauth-sync: service user {OWNER_SETTING}: unchanged" in second.stdout


def test_a_service_user_someone_gave_a_password_is_made_a_service_user_again(project, sync, lms_db):
    assert run_sync(lms_db, project, sync).returncode == 0
    # An administrator signs in as it; the LMS keeps its own data in the profile's meta too.
    lms_db.query(
        "UPDATE auth_user SET password = 'pbkdf2_sha256$1$salt$hash', email = 'ops@example.com'"
        " WHERE username = 'lmsauth'"
    )
    meta = json.dumps({"lmsauth_service_user": True, "session_id": "abc"})
    lms_db.query(
        "UPDATE auth_userprofile SET meta = ? WHERE user_id ="
        " (SELECT id FROM auth_user WHERE username = 'lmsauth')",
        meta,
    )

    run = run_sync(lms_db, project, sync)

    assert run.returncode == 0, run.stderr
    assert "lmsauth-sync: service user lmsauth: password disabled, email reset" in run.stdout
    after = account(lms_db, "lmsauth")
    assert after["password"].startswith("!") and after["email"] == "lmsauth@openedx"
    assert json.loads(after["meta"]) == {"lmsauth_service_user": True, "session_id": "abc"}


def test_a_service_user_made_by_an_earlier_version_is_adopted_once(project, sync, lms_db):
    """Earlier versions made the owner without a mark: unusable password, email
    USERNAME@openedx, never signed in. Taking it on changes nothing but the mark."""
    make_user(lms_db, project, "lmsauth", "lmsauth@openedx", "--unusable-password")
    before = account(lms_db, "lmsauth")

    first = run_sync(lms_db, project, sync)
    second = run_sync(lms_db, project, sync)

    assert first.returncode == 0, first.stderr
    assert (
        "lmsauth-sync: service user lmsauth: adopted (made by an earlier lmsauth-sync)"
        in first.stdout
    )
    after = account(lms_db, "lmsauth")
    assert {**after, "meta": None} == {**before, "meta": None}
    assert marked(lms_db, "lmsauth")
    assert "lmsauth-sync: service user lmsauth: unchanged" in second.stdout


@pytest.mark.parametrize(
    "change",
    [
        "last_login = '2025-03-01 10:00:00'",  # someone signed in as it
        "is_staff = 1",
        "password = 'pbkdf2_sha256$1$salt$hash'",
    ],
)
def test_a_look_alike_of_an_earlier_service_user_is_not_adopted(project, sync, lms_db, change):
    make_user(lms_db, project, "lmsauth", "lmsauth@openedx", "--unusable-password")
    lms_db.query(f"UPDATE auth_user SET {change} WHERE username = 'lmsauth'")
    before = lms_db.snapshot()

    run = run_sync(lms_db, project, sync)

    assert run.returncode != 0
    assert "lmsauth-sync did not create it" in run.stderr
    assert lms_db.snapshot() == before
