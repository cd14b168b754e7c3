"""A busy site: limits per browser address, each person's address told to the LMS, sessions that
stay bounded."""

import contextlib
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from devstack.addresses import next_address, session_from
from devstack.signin import Browser
from tests.app.test_app_failures import assert_failure_page

BACK_CHANNEL = ("/oauth2/access_token", "/oauth2/revoke_token/", "/api/user/")
SESSION_COOKIE = "lmsauth_sessionid"


def sessions(app) -> dict[str, float]:
    """The app's session rows: key -> seconds until the row expires."""
    path = app.env["LMSAUTH_DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT session_key, expire_date FROM django_session").fetchall()
    now = datetime.now(UTC)
    return {
        key: (datetime.fromisoformat(expiry).replace(tzinfo=UTC) - now).total_seconds()
        for key, expiry in rows
    }


def back_channel(lms, since: int) -> list[dict]:
    return [e for e in lms.requests_log()[since:] if e["path"].startswith(BACK_CHANNEL)]


def test_sign_in_starts_are_limited_per_browser_address(main_app, lms):
    address = next_address(time_left=30)
    browser = Browser(lms.learner, address=address)
    assert [browser.start(main_app.url).status_code for _ in range(60)] == [302] * 60
    before = sessions(main_app)
    # The 61st start of the minute, from the same address, in a browser without cookies.
    page = session_from(address).get(main_app.url + "/auth/login/", timeout=10)
    assert_failure_page(page, 429, "Too many sign-in attempts")
    wait = int(page.headers["Retry-After"])
    assert 1 <= wait <= 60 and f"Try again in {wait} seconds." in page.text
    assert SESSION_COOKIE not in page.cookies
    assert sessions(main_app).keys() <= before.keys()
    # Another address is not held up.
    assert Browser(lms.learner).start(main_app.url).status_code == 302


def test_bogus_callbacks_are_limited_and_never_reach_the_lms(main_app, lms):
    flooder = session_from(next_address(time_left=30))
    before = len(lms.requests_log())
    answers = [
        flooder.get(
            main_app.url + "/auth/callback/", params={"code": "junk", "state": "junk"}, timeout=10
        ).status_code
        for _ in range(61)
    ]
    assert answers == [400] * 60 + [429]
    assert back_channel(lms, before) == []
    assert '"event": "rate_limited", "group": "sign-in-callback"' in main_app.logs()


def test_every_worker_counts_together_and_no_burst_is_lost(make_app, lms):
    """Two workers of four threads each, 30 starts at once from one address, 10 allowed."""
    app = make_app(LMSAUTH_SIGN_IN_RATE="10/m", GUNICORN_WORKERS="2", GUNICORN_THREADS="4")
    address = next_address(time_left=30)

    def start(_):
        return (
            session_from(address)
            .get(app.url + "/auth/login/", allow_redirects=False, timeout=30)
            .status_code
        )

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = sorted(pool.map(start, range(30)))
    assert answers == [302] * 10 + [429] * 20


def test_the_lms_limits_each_person_apart(app_on_own_lms):
    """Against an LMS allowing one token request a minute per address: the app's calls count
    against each browser's address, and the LMS's refusal is the "busy" page."""
    app, strict = app_on_own_lms('RATELIMIT_RATE = "1/m"')
    first = Browser(strict.learner, address=next_address(time_left=20))
    assert "Hello" in first.sign_in(app.url).text
    # The same person again within the minute: the LMS says no, the app says "busy".
    for name in ("lmsauth_sessionid", "lmsauth_csrftoken"):
        first.http.cookies.set(name, None)
    page = first.sign_in(app.url)
    assert_failure_page(page, 503, "The LMS is busy", "Try again in 60 seconds.")
    assert page.headers["Retry-After"] == "60"
    assert "lmsauth-sync" not in page.text
    # Someone else has a quota of their own.
    second = Browser(strict.staff, address=next_address(time_left=20))
    assert "Hello" in second.sign_in(app.url).text


def test_every_back_channel_call_carries_the_browser_address(main_app, lms):
    browser = Browser(lms.learner)
    before = len(lms.requests_log())
    browser.sign_in(main_app.url)
    main_app.update_session(browser.app_session_key(), "session['lms_token']['expires_at'] = 0")
    assert browser.get(main_app.url + "/profile/").status_code == 200  # refresh, accounts API
    browser.post(main_app.url + "/auth/logout/", {"csrfmiddlewaretoken": browser.csrf_token()})
    # Again, then signed out by the LMS's logout frame: revoked on a thread of its own.
    browser.sign_in(main_app.url)
    assert browser.get(main_app.url + "/auth/logout/lms/").status_code == 200
    deadline = time.monotonic() + 5
    while len([e for e in back_channel(lms, before) if "revoke" in e["path"]]) < 2:
        assert time.monotonic() < deadline, "the background revocation did not happen"
        time.sleep(0.1)

    calls = back_channel(lms, before)
    assert [f"{e['method']} {e['path']}" for e in calls] == [
        "POST /oauth2/access_token",
        "POST /oauth2/access_token",
        "GET /api/user/v1/accounts/learner",
        "POST /oauth2/revoke_token/",
        "POST /oauth2/access_token",
        "POST /oauth2/revoke_token/",
    ]
    # Made by the app (another peer), for the browser: the LMS counts the browser's address.
    assert {(e["forwarded_for"], e["client_ip"]) for e in calls} == {
        (browser.address, browser.address)
    }
    assert browser.address not in {e["remote"] for e in calls}


def test_public_pages_leave_no_session_and_a_sign_in_session_lasts_as_long_as_it(main_app, lms):
    visitor = session_from(next_address())
    before = sessions(main_app)
    for path in (
        "/",
        "/nope/",
        "/profile/",
        "/auth/logout/",
        "/auth/callback/?code=a&state=b",
        "/static/profiles/site.css",
        "/healthz",
    ):
        response = visitor.get(main_app.url + path, allow_redirects=False, timeout=10)
        assert response.status_code in (200, 302, 400, 404), path
        assert SESSION_COOKIE not in response.cookies, path
    assert sessions(main_app).keys() <= before.keys()

    browser = Browser(lms.learner)
    browser.start(main_app.url)
    started = sessions(main_app)[browser.app_session_key()]
    assert 590 < started <= 600  # the sign-in's ten minutes
    browser.sign_in(main_app.url)
    signed_in = sessions(main_app)[browser.app_session_key()]
    assert 8 * 3600 - 10 < signed_in <= 8 * 3600


def test_expired_sessions_are_deleted_in_the_background(make_app, lms):
    app = make_app(LMSAUTH_SESSION_CLEANUP_INTERVAL="1")
    stale, live = Browser(lms.learner), Browser(lms.learner)
    stale.start(app.url)
    live.start(app.url)
    path = app.env["LMSAUTH_DATABASE_URL"].removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE django_session SET expire_date = '2000-01-01 00:00:00' WHERE session_key = ?",
            (stale.app_session_key(),),
        )
    # Nobody signs in; the health probes alone prompt the clean-up.
    deadline = time.monotonic() + 10
    while stale.app_session_key() in sessions(app):
        assert time.monotonic() < deadline, "the expired session is still there"
        session_from(next_address()).get(app.url + "/healthz", timeout=10)
        time.sleep(0.3)
    assert live.app_session_key() in sessions(app)
