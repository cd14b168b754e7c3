"""Through Tutor's Caddy, a browser cannot choose the address the app and the LMS count it as."""

from devstack.addresses import next_address, session_from
from devstack.signin import Browser, loopback_names

# Addresses a browser might claim in X-Forwarded-For (documentation ranges, not global: the
# LMS's key function would take the leftmost of them if Caddy passed them on).
CLAIMS = [f"198.51.100.{number}" for number in range(1, 122)]


def test_a_spoofed_forwarded_for_gains_nothing_at_the_app(path_stack):
    address = next_address(time_left=30)
    spoofer = session_from(address)
    with loopback_names():
        answers = [
            spoofer.get(
                path_stack.url("/auth/login/"),
                headers={"X-Forwarded-For": claim},
                allow_redirects=False,
                timeout=10,
            ).status_code
            for claim in CLAIMS[:61]
        ]
        assert answers == [302] * 60 + [429]
        # Claiming someone else's address neither spends their quota nor uses it.
        victim = next_address(time_left=30)
        claimed = spoofer.get(
            path_stack.url("/auth/login/"), headers={"X-Forwarded-For": victim}, timeout=10
        )
        assert claimed.status_code == 429
        own = session_from(victim).get(
            path_stack.url("/auth/login/"), allow_redirects=False, timeout=10
        )
        assert own.status_code == 302


def test_a_spoofed_forwarded_for_gains_nothing_at_the_lms(path_stack):
    address = next_address(time_left=30)
    spoofer = session_from(address)
    with loopback_names():
        answers = [
            spoofer.post(
                path_stack.lms_url + "/oauth2/access_token",
                data={"grant_type": "not-a-grant"},
                headers={"X-Forwarded-For": claim},
                timeout=10,
            ).status_code
            for claim in CLAIMS
        ]
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
