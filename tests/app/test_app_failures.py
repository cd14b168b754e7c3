"""Every way a sign-in can fail ends on a clear page with a next step and the right status."""

import re
import time

import pytest

from devstack.signin import Browser, query
from devstack.standin import keys
from tests.app.broken_lms import BrokenLMS

JWT_PATTERN = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}")
SYNC = "tutor local do lmsauth-sync"


def assert_clean(app, *texts: str) -> None:
    """No secret, token or authorization code in the pages given nor in the app's logs."""
    secrets = [app.env["LMSAUTH_CLIENT_SECRET"], app.env["LMSAUTH_SECRET_KEY"]]
    if app.env.get("LMSAUTH_PREVIOUS_CLIENT_SECRET"):
        secrets.append(app.env["LMSAUTH_PREVIOUS_CLIENT_SECRET"])
    for text in (*texts, app.logs()):
        for secret in secrets:
            assert secret not in text
        assert not JWT_PATTERN.search(text)
        assert "code=" not in text


def assert_failure_page(page, status: int, *phrases: str) -> None:
    assert page.status_code == status, page.text[:500]
    assert "What to do next:" in page.text
    assert "Traceback" not in page.text
    for phrase in phrases:
        assert phrase in page.text


def test_callback_without_state(main_app, lms):
    page = Browser(lms.learner).get(main_app.url + "/auth/callback/?code=abc")
    assert_failure_page(page, 400, "This sign-in link is incomplete", "Start again")


def test_callback_with_forged_state(main_app, lms):
    browser = Browser(lms.learner)
    callback = browser.authorize(main_app.url)
    forged = callback.replace(query(callback)["state"], "forged-state-value")
    page = browser.get(forged)
    assert_failure_page(page, 400, "This sign-in did not start here")
    # The real answer still works (the forgery did not consume it).
    assert browser.follow(browser.get(callback)).status_code == 200


def test_callback_in_another_browser(main_app, lms):
    callback = Browser(lms.learner).authorize(main_app.url)
    page = Browser(lms.learner).get(callback)
    assert_failure_page(page, 400, "This sign-in did not start here")


def test_expired_sign_in(main_app, lms):
    browser = Browser(lms.learner)
    callback = browser.authorize(main_app.url)
    main_app.update_session(
        browser.app_session_key(),
        "for key in [k for k in session.keys() if k.startswith('_state_lms_')]:\n"
        "    session[key]['data']['started'] -= 3600",
    )
    page = browser.get(callback)
    assert_failure_page(page, 400, "This sign-in took too long", "Start again")


def test_replayed_code(main_app, lms):
    browser = Browser(lms.learner)
    used = browser.authorize(main_app.url)
    assert browser.follow(browser.get(used)).status_code == 200
    # A sign-in started in a browser, answered with that old, already used code.
    other = Browser(lms.learner)
    fresh = query(other.start(main_app.url).headers["Location"])["state"]
    page = other.get(main_app.url + f"/auth/callback/?code={query(used)['code']}&state={fresh}")
    assert_failure_page(page, 400, "This sign-in code is no longer valid")
    assert_clean(main_app, page.text)


@pytest.mark.parametrize(
    "params",
    [
        {"code": "a" * 1000, "state": "abc"},
        {"code": "abc", "state": "<script>alert(1)</script>"},
        {"code": "", "state": "abc"},
    ],
    ids=["oversized-code", "malformed-state", "empty-code"],
)
def test_malformed_callback(main_app, lms, params):
    page = Browser(lms.learner).get(main_app.url + "/auth/callback/", params=params)
    assert_failure_page(page, 400, "This request could not be understood")
    assert "<script>alert" not in page.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/profile/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://127.0.0.1:1/profile/",
        "/" + "a" * 3000,
    ],
    ids=["other-site", "scheme-relative", "backslash", "javascript", "other-port", "oversized"],
)
def test_malicious_next_lands_on_the_app(main_app, lms, target):
    browser = Browser(lms.learner)
    page = browser.sign_in(main_app.url, next_url=target)
    assert page.status_code == 200
    assert page.url == main_app.url + "/"
    assert "is not part of this site" in page.text
    assert not any(r.headers.get("Location", "").startswith(target) for r in browser.pages)


def test_spoofed_host_header_is_refused(main_app, lms):
    browser = Browser(lms.learner)
    page = browser.get(main_app.url + "/auth/login/", headers={"Host": "evil.example"})
    assert_failure_page(page, 400, "This request could not be understood")
    # A forwarded host is ignored unless the app is told to trust its proxy.
    response = browser.get(main_app.url + "/auth/login/", headers={"X-Forwarded-Host": "evil"})
    assert query(response.headers["Location"])["redirect_uri"] == main_app.url + "/auth/callback/"


def test_invalid_scope_tells_the_operator_to_sync(make_app, lms):
    client = lms.register_client("no-user-id", [], scopes=[])
    app = make_app(client=client)
    lms.shell(
        "from oauth2_provider.models import Application\n"
        f"Application.objects.filter(client_id={client.client_id!r})"
        f".update(redirect_uris={app.url + '/auth/callback/'!r})"
    )
    browser = Browser(lms.learner)
    page = browser.sign_in(app.url)
    assert_failure_page(page, 502, "refused the requested permissions", SYNC)
    assert_clean(app, page.text)


def test_wrong_secret_tells_the_operator_to_sync(make_app, lms):
    app = make_app(LMSAUTH_CLIENT_SECRET="not-the-registered-secret-" + "x" * 30)
    page = Browser(lms.learner).sign_in(app.url)
    # Where the platform runs is not known (LMSAUTH_RUNNER unset): the page names each command.
    assert_failure_page(page, 502, "not registered correctly", SYNC)
    assert "tutor dev do lmsauth-sync" in page.text and "tutor k8s do lmsauth-sync" in page.text
    assert_clean(app, page.text)
    assert app.client.client_secret not in app.logs()


def test_the_operator_is_told_the_command_of_the_platform_in_use(make_app, lms):
    app = make_app(
        LMSAUTH_CLIENT_SECRET="not-the-registered-secret-" + "x" * 30, LMSAUTH_RUNNER="k8s"
    )
    page = Browser(lms.learner).sign_in(app.url)
    assert_failure_page(page, 502, "not registered correctly", "tutor k8s do lmsauth-sync")
    assert "tutor local do" not in page.text and "tutor dev do" not in page.text


def test_lms_unreachable(make_app, lms):
    app = make_app(LMSAUTH_LMS_INTERNAL_URL="http://127.0.0.1:9")
    page = Browser(lms.learner).sign_in(app.url)
    assert_failure_page(page, 502, "The LMS cannot be reached", "Try again")
    assert_clean(app, page.text)


def test_lms_slow_or_failing(make_app, lms):
    broken = BrokenLMS("hang")
    try:
        app = make_app(LMSAUTH_LMS_INTERNAL_URL=broken.url, LMSAUTH_LMS_TIMEOUT="2")
        browser = Browser(lms.learner)
        callback = browser.authorize(app.url)
        started = time.monotonic()
        page = browser.get(callback)
        assert time.monotonic() - started < 10
        assert_failure_page(page, 504, "The LMS is taking too long")
        for mode, status, phrase in [
            ("error", 502, "The LMS answered with an error"),
            # The LMS's rate limiter, mapped to 429 or left as its 403: busy, not a refusal.
            ("busy", 503, "Try again in 17 seconds"),
            ("forbidden", 503, "Try again in 60 seconds"),
        ]:
            broken.mode = mode
            page = browser.get(browser.authorize(app.url))
            assert_failure_page(page, status, phrase)
            if status == 503:
                assert "The LMS is busy" in page.text
                assert page.headers["Retry-After"] == phrase.split()[-2]
        assert_clean(app, page.text)
    finally:
        broken.close()


@pytest.mark.parametrize(
    "override, reason",
    [
        ({"LMSAUTH_JWT_ISSUER": "http://other.example/oauth2"}, "issuer"),
        ({"LMSAUTH_JWT_AUDIENCE": "someone-else"}, "audience"),
        (
            {"LMSAUTH_JWT_PUBLIC_KEYS": keys.public_jwk_set_json(keys.generate_private_key_pem())},
            "signature",
        ),
    ],
    ids=["issuer", "audience", "signature"],
)
def test_untrusted_jwt(make_app, lms, override, reason):
    app = make_app(**override)
    page = Browser(lms.learner).sign_in(app.url)
    assert_failure_page(page, 502, "could not be trusted")
    assert f'"detail": "JWT rejected: {reason}"' in app.logs()
    assert_clean(app, page.text)


def test_expired_jwt(app_on_own_lms):
    # An LMS whose clock is far ahead hands out tokens that are already expired here.
    app, skewed = app_on_own_lms("JWT_ACCESS_TOKEN_EXPIRE_SECONDS = -600")
    page = Browser(skewed.learner).sign_in(app.url)
    assert_failure_page(page, 502, "could not be trusted")
    assert '"detail": "JWT rejected: expired"' in app.logs()


def test_unknown_page_and_wrong_method(main_app, lms):
    browser = Browser(lms.learner)
    assert_failure_page(browser.get(main_app.url + "/nope/"), 404, "Page not found")
    page = browser.http.options(main_app.url + "/", timeout=10)
    assert_failure_page(page, 405, "This page cannot do that", "Go back to the home page")
    assert page.headers["Allow"] == "GET"
    # Signed in, with a valid CSRF token: still the explained page, and still signed in.
    browser.sign_in(main_app.url)
    page = browser.post(main_app.url + "/profile/", {"csrfmiddlewaretoken": browser.csrf_token()})
    assert_failure_page(page, 405, "This page cannot do that")
    assert 'action="/auth/logout/"' in page.text


def test_main_app_logs_hold_no_secrets(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url, next_url="/profile/")
    browser.post(main_app.url + "/auth/logout/", {"csrfmiddlewaretoken": browser.csrf_token()})
    logs = main_app.logs()
    assert '"event": "signed_in"' in logs
    assert_clean(main_app, *(page.text for page in browser.pages))
    assert lms.learner.password not in logs
