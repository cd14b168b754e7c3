"""Single logout and the Tutor settings block of the stand-in behave like the LMS's."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import requests

from devstack import chromium
from devstack.standin import lmsauth_settings, running_standin_lms
from tests.e2e.flows import submit_lms_credentials

CLIENT_CALLBACK = "http://client-app.example:8123/auth/callback/"


class IdaLogoutRecorder(BaseHTTPRequestHandler):
    """Another app of the site: records the logout calls it receives."""

    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<p>signed out of the app</p>")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def ida():
    server = ThreadingHTTPServer(("127.0.0.1", 0), IdaLogoutRecorder)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def lms(tmp_path_factory, ida):
    """A stand-in whose settings file came from Tutor, with our block between the markers."""
    workdir = tmp_path_factory.mktemp("logout-lms")
    settings = lmsauth_settings(
        workdir / "production.py",
        "LOGIN_REDIRECT_WHITELIST.append('allowed.example:8080')",
        f"IDA_LOGOUT_URI_LIST.append('{ida.url}/auth/logout/lms/')",
        f"IDA_LOGOUT_URI_LIST.append('{ida.url}/second/logout/')",
        "LMSAUTH_OAUTH_CLIENTS = [{'name': 'from-tutor', 'scopes': ['user_id']}]",
        outside=(
            "FEATURES['OUTSIDE'] = True\nraise RuntimeError('only the lmsauth block may run')\n"
        ),
    )
    with running_standin_lms(workdir / "run", tutor_settings=settings) as lms:
        lms.logout_client = lms.register_client("logout-client", [CLIENT_CALLBACK])
        yield lms


def logout(lms, session=None, **params):
    session = session or requests.Session()
    return session.get(lms.url + "/logout?" + urlencode(params), timeout=10)


def logout_by_form(lms, **params):
    """POST, as the LMS's own sign-out button does (CSRF token included)."""
    session = requests.Session()
    session.get(lms.url + "/login", timeout=10)
    token = session.cookies["csrftoken"]
    return session.post(
        lms.url + "/logout?" + urlencode(params), data={"csrfmiddlewaretoken": token}, timeout=10
    )


def target_of(page):
    match = re.search(r'<a id="redirect-link" href="([^"]+)"', page.text)
    return match and match.group(1).replace("&amp;", "&")


def test_only_the_lmsauth_block_is_applied(lms):
    output = lms.shell(
        "from django.conf import settings\n"
        "print(settings.LOGIN_REDIRECT_WHITELIST, settings.LMSAUTH_OAUTH_CLIENTS,"
        " settings.FEATURES)"
    ).stdout
    assert "['allowed.example:8080'] [{'name': 'from-tutor', 'scopes': ['user_id']}] {}" in output


def test_logout_ends_lms_session(lms):
    session = lms.signed_in_session()
    assert session.get(lms.url + "/api/user/v1/me").status_code == 200
    page = logout(lms, session)
    assert page.status_code == 200
    assert "You have signed out" in page.text
    assert session.get(lms.url + "/api/user/v1/me").status_code == 401


def test_logout_page_loads_every_ida_logout_uri(lms, ida):
    page = logout(lms)
    frames = re.findall(r'<iframe class="ida-logout" src="([^"]+)"', page.text)
    assert frames == [f"{ida.url}/auth/logout/lms/", f"{ida.url}/second/logout/"]


@pytest.mark.parametrize(
    "target",
    ["http://allowed.example:8080/after", "/dashboard", "relative-to-lms-host"],
)
def test_redirect_to_whitelisted_or_own_host(lms, target):
    if target == "relative-to-lms-host":
        target = lms.url + "/dashboard"
    assert target_of(logout(lms, redirect_url=target)) == target


def test_redirect_to_host_of_client_redirect_uri(lms):
    target = "http://client-app.example:8123/"
    params = {"redirect_url": target, "client_id": lms.logout_client.client_id}
    assert target_of(logout(lms, **params)) == target
    assert target_of(logout_by_form(lms, **params)) == target


@pytest.mark.parametrize(
    "params",
    [
        {"redirect_url": "http://client-app.example:8123/"},  # no client_id
        {"redirect_url": "http://client-app.example:8123/", "client_id": "unknown"},
        {"redirect_url": "http://evil.example/"},
        {"redirect_url": "//evil.example/"},
        {"redirect_url": "http://allowed.example/"},  # whitelisted with a port only
        {"redirect_url": "javascript:alert(1)"},
    ],
)
def test_no_redirect_elsewhere(lms, params):
    page = logout(lms, **params)
    assert page.status_code == 200
    assert target_of(page) is None
    assert "window.location" not in page.text
    assert "You have signed out" in page.text


def test_browser_signs_out_of_apps_then_follows_redirect(lms, ida, playwright):
    ida.paths.clear()
    target = lms.url + "/?signed-out=1"
    browser = chromium.launch(playwright, hosts=["127.0.0.1"])
    try:
        page = browser.new_page()
        page.goto(lms.url + "/login")
        submit_lms_credentials(page, lms.learner)
        page.wait_for_url(lms.url + "/dashboard")
        page.goto(lms.url + "/logout?" + urlencode({"redirect_url": target}))
        page.wait_for_url(target, timeout=10000)
        assert page.locator("h1").inner_text() == "Welcome"
    finally:
        browser.close()
    assert sorted(ida.paths) == ["/auth/logout/lms/", "/second/logout/"]
