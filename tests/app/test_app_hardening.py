"""The app against odd LMS answers, a hung LMS, bad requests and its own debug page."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from identifier import environment
from joserfc import jwt
from joserfc.jwk import RSAKey
from profiles.failures import SignInFailed
from profiles.lms_data import check_claims, check_token_response

from devstack.app_server import AppServer, app_env
from devstack.process import free_port
from devstack.signin import Browser, query
from devstack.standin import Client, keys
from tests.app.broken_lms import BrokenLMS
from tests.app.test_app_failures import JWT_PATTERN, assert_failure_page
from tests.app.test_app_signin import refresh_at_lms
from tests.app.test_app_units import VALID

# For apps that never reach the stand-in LMS's token endpoint: no need to register them there.
UNREGISTERED = Client("unregistered", "unregistered", "unregistered-secret-" + "x" * 40, ())


class FakeTokenEndpoint:
    """A loopback LMS token endpoint that answers every POST with `answer`, as JSON.

    It signs its JWTs (RS512, kid `openedx`) with a key of its own, whose public half the app
    is given, so the app accepts whatever claims a test puts in them.
    """

    issuer = "http://fake-lms.test/oauth2"

    def __init__(self):
        pem = keys.generate_private_key_pem()
        self.key = RSAKey.import_key(pem, {"kid": keys.KEY_ID})
        self.jwks_json = keys.public_jwk_set_json(pem)
        self.answer: dict = {}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.dumps(endpoint.answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token_answer(self, claims: dict, **fields) -> dict:
        """What the LMS answers a code with, but with these claims and token fields changed."""
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": "openedx",
            "exp": now + 3600,
            "iat": now,
            "user_id": 4242,
            "preferred_username": "odd",
            "email": "odd@example.com",
            "name": "Olga Odd",
            **claims,
        }
        header = {"alg": "RS512", "kid": keys.KEY_ID}
        return {
            "access_token": jwt.encode(header, payload, self.key, algorithms=["RS512"]),
            "token_type": "JWT",
            "expires_in": 3600,
            "refresh_token": secrets.token_urlsafe(24),
            "scope": "user_id profile email",
            **fields,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake_lms_app(tmp_path_factory, lms):
    """The app, its token requests answered by a FakeTokenEndpoint: (app, endpoint)."""
    endpoint = FakeTokenEndpoint()
    workdir = tmp_path_factory.mktemp("fake-lms-app")
    port = free_port()
    env = app_env(
        lms,
        UNREGISTERED,
        f"http://127.0.0.1:{port}",
        f"sqlite:///{workdir}/db.sqlite3",
        LMSAUTH_LMS_INTERNAL_URL=endpoint.url,
        LMSAUTH_JWT_PUBLIC_KEYS=endpoint.jwks_json,
        LMSAUTH_JWT_ISSUER=endpoint.issuer,
    )
    app = AppServer(workdir, env, port)
    yield app, endpoint
    app.stop()
    endpoint.close()


def answer_callback(app, browser: Browser) -> requests.Response:
    """Start a sign-in and come back with a code, as if the LMS had said yes."""
    state = query(browser.start(app.url).headers["Location"])["state"]
    return browser.get(app.url + "/auth/callback/", params={"code": "fake-code", "state": state})


def test_the_fake_token_endpoint_signs_in(fake_lms_app, lms):
    app, endpoint = fake_lms_app
    endpoint.answer = endpoint.token_answer({})
    browser = Browser(lms.learner)
    page = browser.follow(answer_callback(app, browser))
    assert "Hello, Olga Odd" in page.text


@pytest.mark.parametrize(
    "claims, fields, detail",
    [
        ({"user_id": 2**63}, {}, "claim user_id is not a whole number in range"),
        ({"preferred_username": 12345}, {}, "claim preferred_username is not a non-empty text"),
        ({}, {"expires_in": {"seconds": 3600}}, "token response: expires_in is not a number"),
    ],
    ids=["user-id-beyond-64-bits", "username-not-text", "expires-in-an-object"],
)
def test_unusual_lms_data_gets_an_explained_page(fake_lms_app, lms, claims, fields, detail):
    app, endpoint = fake_lms_app
    endpoint.answer = endpoint.token_answer(claims, **fields)
    browser = Browser(lms.learner)
    page = answer_callback(app, browser)
    assert_failure_page(page, 502, "The LMS sent an answer this site cannot use", "site operator")
    assert f'"detail": "{detail}' in app.logs()
    # Not signed in with half-checked data: the profile page asks for a sign-in, no 500.
    assert browser.get(app.url + "/profile/").status_code == 302


ORDINARY_CLAIMS = {
    "exp": 1900000000,
    "user_id": 7,
    "preferred_username": "learner",
    "email": "learner@example.com",
    "name": "Lena Learner",
    "administrator": False,
}


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"user_id": True},
        {"user_id": -1},
        {"user_id": "7"},
        {"user_id": 2**63},
        {"preferred_username": None},
        {"preferred_username": ""},
        {"email": ["learner@example.com"]},
        {"name": "n" * 256},
        {"administrator": "yes"},
    ],
    ids=repr,
)
def test_claims_of_the_wrong_type_or_range_are_refused(changes):
    check_claims(ORDINARY_CLAIMS)
    check_claims({**ORDINARY_CLAIMS, "exp": 1900000000.5, "name": None})
    with pytest.raises(SignInFailed) as refused:
        check_claims({**ORDINARY_CLAIMS, **changes})
    assert refused.value.code == "lms_bad_answer"


class TokenAnswer:
    """What the compliance hook reads of a token endpoint's answer: its JSON."""

    def __init__(self, text: str):
        self.text = text

    def json(self):
        return json.loads(self.text)


@pytest.mark.parametrize(
    "fields",
    [
        '"expires_in": NaN',
        '"expires_in": 1e999',
        '"expires_in": {"seconds": 3600}',
        '"expires_in": true',
        f'"expires_at": {2**64}',
        '"refresh_token": 5',
        '"access_token": null',
    ],
)
def test_token_answers_of_the_wrong_type_or_range_are_refused(fields):
    ordinary = '"access_token": "a.b.c", "refresh_token": "r", "token_type": "JWT"'
    for accepted in ('"expires_in": 3600', '"expires_in": -600', '"expires_in": 3600.0'):
        answer = TokenAnswer(f"{{{ordinary}, {accepted}}}")
        assert check_token_response(answer) is answer
    # Errors and pages that are not JSON are Authlib's to report.
    for other in ('{"error": "invalid_grant"}', "<h1>Busy</h1>"):
        check_token_response(TokenAnswer(other))
    with pytest.raises(SignInFailed) as refused:
        check_token_response(TokenAnswer(f"{{{ordinary}, {fields}}}"))
    assert refused.value.code == "lms_bad_answer"


def refresh_tokens_of(lms, client_id: str) -> list[str]:
    rows = lms.query(
        "SELECT r.token FROM oauth2_provider_refreshtoken r"
        " JOIN oauth2_provider_application a ON r.application_id = a.id WHERE a.client_id = ?",
        (client_id,),
    )
    return [token for (token,) in rows]


def test_debug_page_masks_secrets_and_tokens(make_app, lms):
    app = make_app(LMSAUTH_DEBUG="true")
    # A database that breaks during a sign-in: after the LMS answered, before the user is saved.
    app.shell(
        "from django.db import connection\n"
        "connection.cursor().execute('DROP TABLE profiles_lmsidentity')"
    )
    page = Browser(lms.learner).sign_in(app.url)
    assert page.status_code == 500
    assert "no such table: profiles_lmsidentity" in page.text  # Django's debug page
    issued = refresh_tokens_of(lms, app.client.client_id)
    assert issued
    for secret in (app.env["LMSAUTH_CLIENT_SECRET"], app.env["LMSAUTH_SECRET_KEY"], *issued):
        assert secret not in page.text
    assert not JWT_PATTERN.search(page.text)


def test_debug_page_masks_the_database_password(make_app):
    password = "db-password-" + secrets.token_hex(12)
    # MySQL mode with the server down: every page that needs the database fails.
    database = f"mysql://lmsauth:{password}@127.0.0.1:{free_port()}/lmsauth"
    app = make_app(
        client=UNREGISTERED, migrate=False, LMSAUTH_DEBUG="true", LMSAUTH_DATABASE_URL=database
    )
    page = requests.get(app.url + "/auth/login/", timeout=30)
    assert page.status_code == 500
    assert "OperationalError" in page.text
    for secret in (password, app.env["LMSAUTH_CLIENT_SECRET"], app.env["LMSAUTH_SECRET_KEY"]):
        assert secret not in page.text


def test_the_405_page_refuses_framing(main_app):
    page = requests.options(main_app.url + "/", timeout=10)
    assert page.status_code == 405
    assert page.headers["X-Frame-Options"] == "DENY"


def test_hsts_over_https_for_the_apps_own_host_only(make_app):
    https = {"LMSAUTH_TRUST_PROXY": "true", "LMSAUTH_HTTPS": "true"}
    app = make_app(
        client=UNREGISTERED, LMSAUTH_PUBLIC_URL="https://lmsauth.learn.example.test", **https
    )
    proxy = {"Host": "lmsauth.learn.example.test", "X-Forwarded-Proto": "https"}
    home = requests.get(app.url + "/", headers=proxy, timeout=10)
    assert home.status_code == 200
    # A year, and not includeSubDomains: the app's subdomains are not its to claim.
    assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    # In path mode the host is the LMS's: its policy is not the app's to set.
    app = make_app(
        client=UNREGISTERED, LMSAUTH_PUBLIC_URL="https://learn.example.test/lmsauth", **https
    )
    proxy["Host"] = "learn.example.test"
    home = requests.get(app.url + "/", headers=proxy, timeout=10)
    assert home.status_code == 200
    assert "Strict-Transport-Security" not in home.headers


def log_lines(app, since: int) -> list[dict]:
    """The app's complete JSON log lines after character `since` of its log."""
    text = app.logs()[since:]
    return [
        json.loads(line) for line in text.splitlines() if line.startswith("{") and line[-1:] == "}"
    ]


def test_a_bad_host_header_is_one_warning_line(main_app):
    since = len(main_app.logs())
    for _ in range(2):
        page = requests.get(main_app.url + "/", headers={"Host": "evil.example"}, timeout=10)
        assert page.status_code == 400
    lines = log_lines(main_app, since)
    bad_host = [line for line in lines if line["logger"] == "django.security.DisallowedHost"]
    assert [(line["level"], "exception" in line) for line in bad_host] == [("WARNING", False)] * 2
    assert "'evil.example'" in bad_host[0]["message"]
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]


def test_the_thread_count_is_checked_at_start_up():
    assert environment.load(VALID).threads == 4
    assert environment.load({**VALID, "GUNICORN_THREADS": "8"}).threads == 8
    for value in ("0", "65", "four", ""):
        with pytest.raises(environment.ConfigError, match="GUNICORN_THREADS must be a whole"):
            environment.load({**VALID, "GUNICORN_THREADS": value})


def test_probes_answer_while_the_lms_hangs(make_app, lms):
    threads = 4
    broken = BrokenLMS("hang")
    try:
        app = make_app(
            LMSAUTH_LMS_INTERNAL_URL=broken.url,
            LMSAUTH_LMS_TIMEOUT="10",
            GUNICORN_WORKERS="1",
            GUNICORN_THREADS=str(threads),
        )
        # Twice as many sign-ins as the worker has threads, all waiting on the LMS at once.
        pending = []
        for _ in range(2 * threads):
            browser = Browser(lms.learner)
            pending.append((browser, browser.authorize(app.url)))
        answers = []
        callers = [
            threading.Thread(target=lambda b=b, url=url: answers.append(b.get(url)))
            for b, url in pending
        ]
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 5
        while len(broken.held) + len(answers) < len(callers) and time.monotonic() < deadline:
            time.sleep(0.05)
        for path in ("/healthz", "/readyz", "/"):
            started = time.monotonic()
            response = requests.get(app.url + path, timeout=30)
            assert response.status_code == 200
            assert time.monotonic() - started < 1.0, f"{path} waited behind the LMS"
        # One thread was kept free of LMS calls; the sign-ins that found none free were told.
        assert len(broken.held) == threads - 1
    finally:
        broken.close()
    for caller in callers:
        caller.join(30)
    busy = [page for page in answers if page.status_code == 503]
    assert len(busy) == len(callers) - (threads - 1)
    for page in busy:
        assert_failure_page(page, 503, "The LMS is busy")
        assert page.headers["Retry-After"] == "60"


def test_front_channel_logout_revokes_the_refresh_token(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    refresh_token = main_app.session_data(browser.app_session_key())["lms_token"]["refresh_token"]
    before = len(lms.requests_log())
    # What the LMS's logout page loads in its hidden iframe.
    assert browser.get(main_app.url + "/auth/logout/lms/").status_code == 200
    assert browser.get(main_app.url + "/profile/").status_code == 302
    # The revocation runs beside the page: wait for the LMS to have answered it.
    deadline = time.monotonic() + 5
    while not any(e["path"] == "/oauth2/revoke_token/" for e in lms.requests_log()[before:]):
        assert time.monotonic() < deadline, "the refresh token was not revoked"
        time.sleep(0.1)
    assert refresh_at_lms(lms, main_app, refresh_token)["error"] == "invalid_grant"


def test_front_channel_logout_does_not_wait_for_a_hanging_lms(make_app):
    broken = BrokenLMS("hang")
    try:
        app = make_app(client=UNREGISTERED, LMSAUTH_LMS_INTERNAL_URL=broken.url)
        # A signed-in session's tokens, as the callback stores them.
        printed = app.shell(
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "session = SessionStore()\n"
            "session['lms_token'] = {'access_token': 'a', 'refresh_token': 'r', 'expires_at': 0}\n"
            "session.create()\n"
            "print(session.session_key)"
        )
        key = printed.strip().splitlines()[-1]
        started = time.monotonic()
        frame = requests.get(
            app.url + "/auth/logout/lms/", cookies={"lmsauth_sessionid": key}, timeout=30
        )
        assert frame.status_code == 200
        assert time.monotonic() - started < 1.0
        assert app.session_data(key) == {}
        # The revocation was attempted all the same, and waits on the LMS in the background.
        deadline = time.monotonic() + 5
        while not broken.held:
            assert time.monotonic() < deadline, "no revocation was attempted"
            time.sleep(0.05)
    finally:
        broken.close()
