"""Running the app: secret rotation, start-up checks, probes, proxy and path mode."""

import json
import subprocess
import sys

import requests

from devstack.app_server import base_env, gunicorn_command
from devstack.paths import APP_DIR
from devstack.signin import Browser, query
from devstack.standin import keys
from tests.app.conftest import callback_uri
from tests.app.test_app_failures import assert_clean
from tutorplugin.doctor import key_set_fingerprint


def token_requests(lms, since: int) -> int:
    return sum(1 for e in lms.requests_log()[since:] if e["path"] == "/oauth2/access_token")


def set_lms_secret(lms, client_id: str, secret: str) -> None:
    lms.shell(
        "from oauth2_provider.models import Application\n"
        f"Application.objects.filter(client_id={client_id!r}).update(client_secret={secret!r})"
    )


def test_rotation_never_fails_a_sign_in(make_app, lms):
    old = None
    new = "rotated-secret-" + "n" * 49
    # Phase 1: the app knows the new secret first; the LMS still has the old one.
    app = make_app(GUNICORN_WORKERS="1")
    old = app.client.client_secret
    app.stop()
    app = make_app(
        client=app.client,
        port=app.port,
        GUNICORN_WORKERS="1",
        LMSAUTH_CLIENT_SECRET=new,
        LMSAUTH_PREVIOUS_CLIENT_SECRET=old,
    )
    before = len(lms.requests_log())
    assert "Hello" in Browser(lms.learner).sign_in(app.url).text
    assert token_requests(lms, before) == 2
    assert app.logs().count('"event": "client_secret_retry"') == 1
    # The secret that worked is remembered: no second retry.
    before = len(lms.requests_log())
    assert "Hello" in Browser(lms.staff).sign_in(app.url).text
    assert token_requests(lms, before) == 1
    # Phase 2: the LMS gets the new secret; the app switches over on its own.
    set_lms_secret(lms, app.client.client_id, new)
    for user in (lms.learner, lms.staff):
        assert "Hello" in Browser(user).sign_in(app.url).text
    assert app.logs().count('"event": "client_secret_retry"') == 2
    # Revocation goes through the same rotation-aware path.
    browser = Browser(lms.learner)
    browser.sign_in(app.url)
    before = len(lms.requests_log())
    browser.post(app.url + "/auth/logout/", {"csrfmiddlewaretoken": browser.csrf_token()})
    revokes = [e for e in lms.requests_log()[before:] if e["path"] == "/oauth2/revoke_token/"]
    assert [e["status"] for e in revokes] == [200]
    assert_clean(app)


def start_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        gunicorn_command(),
        cwd=APP_DIR,
        env={**base_env(), **env, "GUNICORN_BIND": "127.0.0.1:0"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_or_malformed_setting_stops_start_up_with_one_line(main_app):
    cases = {
        "LMSAUTH_CLIENT_SECRET": ("", "LMSAUTH_CLIENT_SECRET is not set"),
        "LMSAUTH_JWT_PUBLIC_KEYS": ("{not json", "LMSAUTH_JWT_PUBLIC_KEYS is not valid JSON"),
        "LMSAUTH_PUBLIC_URL": ("lmsauth.example", "LMSAUTH_PUBLIC_URL must be an http(s) URL"),
        "LMSAUTH_HTTPS": ("maybe", "LMSAUTH_HTTPS must be true or false"),
    }
    for name, (value, message) in cases.items():
        result = start_with({**main_app.env, name: value})
        assert result.returncode != 0
        lines = (result.stdout + result.stderr).strip().splitlines()
        assert lines == [f"lmsauth: configuration error: {message}" + lines[0].split(message)[1]]
        assert main_app.env["LMSAUTH_CLIENT_SECRET"] not in result.stderr
    # manage.py (migrate in the init job) stops the same way.
    env = {**base_env(), **main_app.env, "LMSAUTH_JWT_ISSUER": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate"],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "lmsauth: configuration error: LMSAUTH_JWT_ISSUER is not set"


def test_probes(main_app, main_client, main_port, make_app, lms):
    assert requests.get(main_app.url + "/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(main_app.url + "/readyz", timeout=5)
    assert ready.status_code == 200
    # What the app was started with that must match the LMS (`tutor lmsauth doctor` reads it):
    # public facts only; its JWT keys tagged the way the doctor tags the LMS's.
    uses = {
        "client_id": main_client.client_id,
        "redirect_uri": callback_uri(main_port),
        "jwt_issuer": lms.issuer,
        "jwt_keys": key_set_fingerprint(lms.jwks),
    }
    assert ready.json() == {"status": "ready", **uses}
    assert main_client.client_secret not in ready.text
    # Probes answer whatever the Host header (kubelet uses the pod IP).
    assert requests.get(main_app.url + "/healthz", headers={"Host": "10.1.2.3:8000"}).ok
    broken = make_app(
        migrate=False, LMSAUTH_DATABASE_URL="sqlite:////nonexistent-dir/lmsauth.sqlite3"
    )
    assert requests.get(broken.url + "/healthz", timeout=5).status_code == 200
    not_ready = requests.get(broken.url + "/readyz", timeout=5)
    assert not_ready.status_code == 503
    assert not_ready.json()["status"] == "database unreachable"
    assert not_ready.json()["client_id"] == broken.client.client_id


def test_the_readiness_report_tags_a_key_set_whatever_its_order(make_app, lms):
    """A set of two keys gives one tag in either order, and another tag than either key alone."""
    other = keys.public_jwk_set(keys.generate_private_key_pem())["keys"][0]
    both = {"keys": [other, lms.jwks["keys"][0]]}
    app = make_app(LMSAUTH_JWT_PUBLIC_KEYS=json.dumps(both))
    tag = requests.get(app.url + "/readyz", timeout=5).json()["jwt_keys"]
    assert tag == key_set_fingerprint({"keys": both["keys"][::-1]})
    assert tag not in (key_set_fingerprint(lms.jwks), key_set_fingerprint({"keys": [other]}))


def test_path_mode_behind_an_https_proxy(make_app, lms):
    public = "https://learn.example.test/lmsauth"
    app = make_app(LMSAUTH_PUBLIC_URL=public, LMSAUTH_TRUST_PROXY="true", LMSAUTH_HTTPS="true")
    # What Caddy sends after stripping the prefix.
    proxy = {"Host": "learn.example.test", "X-Forwarded-Proto": "https"}
    browser = Browser(lms.learner)
    home = browser.get(app.url + "/", headers=proxy)
    assert home.status_code == 200
    assert 'href="/lmsauth/auth/login/"' in home.text
    assert 'href="/lmsauth/static/profiles/site.css"' in home.text
    css = browser.get(app.url + "/static/profiles/site.css", headers=proxy)
    assert css.status_code == 200 and "font-family" in css.text
    login = browser.get(app.url + "/auth/login/?next=/lmsauth/profile/", headers=proxy)
    assert query(login.headers["Location"])["redirect_uri"] == public + "/auth/callback/"
    cookie = login.headers["Set-Cookie"]
    assert "lmsauth_sessionid=" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/lmsauth/" in cookie
    # The pending sign-in kept the prefixed next URL, which is on this app.
    session = app.session_data(browser.http.cookies["lmsauth_sessionid"])
    pending = [v["data"] for k, v in session.items() if k.startswith("_state_lms_")]
    assert pending[0]["next_url"] == "/lmsauth/profile/"
    # A next URL elsewhere on the shared host (the LMS) is refused.
    browser.get(app.url + "/auth/login/?next=/dashboard", headers=proxy)
    session = app.session_data(browser.http.cookies["lmsauth_sessionid"])
    assert (
        sorted(v["data"]["next_url"] for k, v in session.items() if k.startswith("_state_"))[0]
        == "/lmsauth/"
    )


def test_csrf_trusts_only_the_public_origin(make_app, lms):
    app = make_app(
        LMSAUTH_PUBLIC_URL="https://learn.example.test/lmsauth",
        LMSAUTH_TRUST_PROXY="true",
        LMSAUTH_HTTPS="true",
    )
    token = "a" * 32  # any well-formed CSRF secret, sent as cookie and field alike
    proxy = {
        "Host": "learn.example.test",
        "X-Forwarded-Proto": "https",
        "Cookie": f"lmsauth_csrftoken={token}",
    }
    for origin, status in [("https://evil.example", 403), ("https://learn.example.test", 302)]:
        response = requests.post(
            app.url + "/auth/logout/",
            data={"csrfmiddlewaretoken": token},
            headers={**proxy, "Origin": origin, "Referer": origin + "/lmsauth/auth/logout/"},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == status, (origin, response.text[:300])
        if status == 403:
            assert "This form has expired" in response.text
