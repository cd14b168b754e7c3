"""The token endpoint's limit per client address, as the LMS's django-ratelimit applies it."""

import pytest
import requests

from devstack.addresses import next_address, session_from
from devstack.standin import lmsauth_settings, running_standin_lms

TOKEN = "/oauth2/access_token"
# An invalid grant type: answered by the toolkit (400, JSON) once past the limiter.
FORM = {"grant_type": "not-a-grant"}


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """A stand-in of this module's own: no other test spends its counters."""
    with running_standin_lms(tmp_path_factory.mktemp("limited-lms")) as server:
        yield server


def post_token(lms, session: requests.Session, count: int, **headers: str) -> list[int]:
    return [
        session.post(lms.url + TOKEN, data=FORM, headers=headers, timeout=10).status_code
        for _ in range(count)
    ]


def test_the_121st_request_of_an_address_gets_the_lms_429_page(lms):
    client = session_from(next_address(time_left=30))
    assert post_token(lms, client, 120) == [400] * 120
    refused = client.post(lms.url + TOKEN, data=FORM, timeout=10)
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "Too many requests" in refused.text and '"error"' not in refused.text
    # Refused requests count too, and only the token endpoint is limited.
    assert post_token(lms, client, 1) == [429]
    assert client.get(lms.url + "/login", timeout=10).status_code == 200
    # Another address has a quota of its own.
    assert post_token(lms, session_from(next_address(time_left=30)), 1) == [400]


def test_a_caller_counts_against_the_address_it_forwards_for(lms):
    """The app's case: one peer (a container on a private network) calls for many browsers."""
    app = session_from(next_address(time_left=30))
    browser, other = next_address(time_left=30), next_address(time_left=30)
    assert post_token(lms, app, 120, **{"X-Forwarded-For": browser}) == [400] * 120
    assert post_token(lms, app, 1, **{"X-Forwarded-For": browser}) == [429]
    assert post_token(lms, app, 1, **{"X-Forwarded-For": other}) == [400]
    entry = lms.requests_log()[-1]
    assert (entry["remote"], entry["forwarded_for"], entry["client_ip"]) == (
        app.get_adapter("http://").address,
        other,
        other,
    )


# The rate as a settings patch may give it: a string, or the dotted path of a function of
# (group, request), which django-ratelimit calls for each request.
RATES = {
    "rate": ['RATELIMIT_RATE = "3/m"'],
    "rate function": [
        "def strict_rate(group, request):",
        '    return "3/m" if request.method == "POST" else None',
        'RATELIMIT_RATE = __name__ + ".strict_rate"',
    ],
}


@pytest.mark.parametrize("lines", RATES.values(), ids=RATES.keys())
def test_the_rate_comes_from_the_settings_tutor_renders(tmp_path, lines):
    settings = lmsauth_settings(tmp_path / "production.py", *lines)
    with running_standin_lms(tmp_path / "lms", tutor_settings=settings) as strict:
        client = session_from(next_address(time_left=20))
        assert post_token(strict, client, 4) == [400, 400, 400, 429]
