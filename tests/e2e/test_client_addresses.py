"""Through Tutor's Caddy, a browser cannot choose the address the app and the LMS count it as."""

from devstack.addresses import next_address, session_from
from devstack.signin import Browser, loopback_names

# Addresses a browser might claim in X-Forwarded-For (documentation ranges, not global: the
# LMS's key function would take the leftmost of them if Caddy passed them on).
CLAIMS = [f"198.51.100.{number}" for number in range(1, 122)]


def answers_to_claims(address: str, method: str, url: str, claims: list[str], **form) -> list:
    """The statuses of one request per claimed address, all sent from `address` via Caddy."""
    http = session_from(address)
    with loopback_names():
        return [
            http.request(
                method,
                url,
                data=form or None,
                headers={"X-Forwarded-For": claim},
                allow_redirects=False,
                timeout=10,
            ).status_code
            for claim in claims
        ]


def test_a_spoofed_forwarded_for_gains_nothing_at_the_app(path_stack):
    victim = next_address(time_left=30)
    url = path_stack.url("/auth/login/")
    # 61 starts claiming other addresses, the last one the victim's: counted as the sender's.
    claims = [*CLAIMS[:60], victim]
    answers = answers_to_claims(next_address(time_left=30), "GET", url, claims)
    assert answers == [302] * 60 + [429]
    # The victim's own quota is untouched.
    assert answers_to_claims(victim, "GET", url, [victim]) == [302]


def test_a_spoofed_forwarded_for_gains_nothing_at_the_lms(path_stack):
    address = next_address(time_left=30)
    token_url = path_stack.lms_url + "/oauth2/access_token"
    answers = answers_to_claims(address, "POST", token_url, CLAIMS, grant_type="not-a-grant")
    assert answers == [400] * 120 + [429]
    assert {e["client_ip"] for e in path_stack.lms.requests_log()[-121:]} == {address}


def test_the_app_tells_the_lms_the_address_caddy_saw(path_stack):
    browser = Browser(path_stack.learner, address=next_address())
    browser.http.headers["X-Forwarded-For"] = "198.51.100.200"
    before = len(path_stack.lms.requests_log())
    with loopback_names():
        page = browser.sign_in(path_stack.app_url)
    assert "Hello" in page.text
    tokens = [
        e for e in path_stack.lms.requests_log()[before:] if e["path"] == "/oauth2/access_token"
    ]
    assert [(e["forwarded_for"], e["client_ip"]) for e in tokens] == [
        (browser.address, browser.address)
    ]
