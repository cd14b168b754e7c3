"""The stand-in's authorization endpoint behaves like the LMS's."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devstack.standin import pkce_pair, redirect_params
from tests.standin.conftest import CALLBACK


@pytest.fixture(scope="module")
def consent_client(standin_lms):
    return standin_lms.register_client(
        "consent-tests", [CALLBACK], scopes=["user_id"], skip_authorization=False
    )


def test_anonymous_user_is_sent_to_login_with_next(standin_lms, client):
    response = standin_lms.authorize(requests.Session(), client)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert (
        redirect_next(response) == urlsplit(response.url).path + "?" + urlsplit(response.url).query
    )


def test_login_then_follow_next_issues_code(standin_lms, client):
    session = requests.Session()
    first = standin_lms.authorize(session, client)
    login_page = session.get(standin_lms.url + first.headers["Location"])
    assert login_page.status_code == 200
    answer = session.post(
        login_page.url,
        data={
            "username": standin_lms.learner.username,
            "password": standin_lms.learner.password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": redirect_next(first),
        },
        allow_redirects=False,
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/oauth2/authorize/?")
    assert "sessionid" in session.cookies
    final = session.get(standin_lms.url + answer.headers["Location"], allow_redirects=False)
    assert final.headers["Location"].startswith(CALLBACK + "?")
    assert redirect_params(final)["code"]


def redirect_next(response):
    return parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]


def post_login(lms, target: str, password: str) -> tuple[requests.Session, requests.Response]:
    """The learner's name and `password` posted to `target` with the sign-in form's CSRF token."""
    session = requests.Session()
    session.get(lms.url + "/login")
    answer = session.post(
        lms.url + target,
        data={
            "username": lms.learner.username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    return session, answer


def test_login_ignores_offsite_next(standin_lms):
    password = standin_lms.learner.password
    _, answer = post_login(standin_lms, "/login?next=http://evil.example/steal", password)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dashboard"


def test_wrong_password_stays_on_login(standin_lms):
    session, answer = post_login(standin_lms, "/login", "nope")
    assert answer.status_code == 200
    assert "incorrect" in answer.text
    assert "sessionid" not in session.cookies


def test_code_with_pkce_is_exchanged_once(standin_lms, client):
    session = standin_lms.signed_in_session()
    verifier, challenge = pkce_pair()
    response = standin_lms.authorize(session, client, code_challenge=challenge, state="xyz")
    params = redirect_params(response)
    assert params["state"] == "xyz"

    token = standin_lms.exchange_code(client, params["code"], verifier=verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["refresh_token"]
    assert set(body["scope"].split()) == {"user_id", "profile", "email"}

    replay = standin_lms.exchange_code(client, params["code"], verifier=verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("verifier", "error"), [("another", "invalid_grant"), ("none", "invalid_request")]
)
def test_pkce_verifier_must_match_once_a_challenge_was_sent(standin_lms, client, verifier, error):
    session = standin_lms.signed_in_session()
    _verifier, challenge = pkce_pair()
    code = redirect_params(standin_lms.authorize(session, client, code_challenge=challenge))["code"]
    sent = pkce_pair()[0] if verifier == "another" else None
    response = standin_lms.exchange_code(client, code, verifier=sent)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_code_without_pkce_is_accepted(standin_lms, client):
    session = standin_lms.signed_in_session()
    code = redirect_params(standin_lms.authorize(session, client))["code"]
    assert standin_lms.exchange_code(client, code).status_code == 200


def test_redirect_uri_mismatch_shows_error_without_redirect(standin_lms, client):
    session = standin_lms.signed_in_session()
    for wrong in (
        CALLBACK.rstrip("/"),
        "http://127.0.0.1:10/auth/callback/",
        "https://127.0.0.1:9/auth/callback/",
    ):
        response = standin_lms.authorize(session, client, redirect_uri=wrong)
        assert response.status_code == 400, wrong
        assert "Location" not in response.headers
        assert "Error" in response.text


def test_scope_beyond_grant_is_invalid_scope(standin_lms, client):
    session = standin_lms.signed_in_session()
    response = standin_lms.authorize(session, client, scope="user_id profile grades:read")
    assert response.status_code == 302
    assert redirect_params(response)["error"] == "invalid_scope"


def test_user_id_needs_application_access(standin_lms):
    plain = standin_lms.register_client("no-user-id", [CALLBACK], scopes=[])
    session = standin_lms.signed_in_session()
    assert (
        redirect_params(standin_lms.authorize(session, plain, scope="user_id"))["error"]
        == "invalid_scope"
    )
    assert "code" in redirect_params(
        standin_lms.authorize(session, plain, scope="read write email profile")
    )


def test_consent_page_allow_then_auto_approval(standin_lms, consent_client):
    session = standin_lms.signed_in_session(standin_lms.create_user("consenting"))
    page = standin_lms.authorize(session, consent_client, state="s1")
    assert page.status_code == 200
    assert 'id="authorizationForm"' in page.text
    assert 'name="allow"' in page.text and 'name="cancel"' in page.text
    allowed = session.post(
        page.url, data=consent_form_data(page.text, "allow"), allow_redirects=False
    )
    params = redirect_params(allowed)
    assert params["state"] == "s1"
    assert standin_lms.exchange_code(consent_client, params["code"]).status_code == 200

    again = standin_lms.authorize(session, consent_client, state="s2")
    assert again.status_code == 302
    assert "code" in redirect_params(again)


def test_consent_page_cancel_is_access_denied(standin_lms, consent_client):
    session = standin_lms.signed_in_session(standin_lms.create_user("declining"))
    page = standin_lms.authorize(session, consent_client)
    cancelled = session.post(
        page.url, data=consent_form_data(page.text, "cancel"), allow_redirects=False
    )
    assert cancelled.status_code == 302
    assert cancelled.headers["Location"].startswith(CALLBACK)
    assert redirect_params(cancelled)["error"] == "access_denied"


def consent_form_data(html, button):
    """The hidden fields of form#authorizationForm plus the pressed button."""
    form = re.search(r'<form id="authorizationForm".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields[button] = button
    return {k: v.replace("&amp;", "&") for k, v in fields.items()}


def test_unknown_client_shows_error_without_redirect(standin_lms, client):
    session = standin_lms.signed_in_session()
    unknown = client.__class__("unknown", "no-such-client", "", client.redirect_uris)
    response = standin_lms.authorize(session, unknown)
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_approval_is_remembered_even_after_the_token_expired(standin_lms, consent_client):
    user = standin_lms.create_user("returning")
    session = standin_lms.signed_in_session(user)
    page = standin_lms.authorize(session, consent_client, scope="user_id")
    allowed = session.post(
        page.url, data=consent_form_data(page.text, "allow"), allow_redirects=False
    )
    assert standin_lms.exchange_code(consent_client, redirect_params(allowed)["code"]).ok
    standin_lms.shell(
        "from django.utils import timezone\n"
        "from oauth2_provider.models import AccessToken\n"
        f"AccessToken.objects.filter(user__username={user.username!r}).update(expires=timezone.now())"
    )
    again = standin_lms.authorize(session, consent_client, scope="user_id")
    assert again.status_code == 302
    assert "code" in redirect_params(again)
    # Scopes never approved before bring the consent page back.
    wider = standin_lms.authorize(session, consent_client, scope="user_id profile")
    assert wider.status_code == 200
    assert 'id="authorizationForm"' in wider.text
