"""Sign-in, profile and sign-out against the stand-in LMS, both served by gunicorn."""

import base64
import json
import time

import requests

from devstack.signin import Browser, parse_page, query


def back_channel(lms, since: int) -> list[str]:
    """Server-to-server requests the LMS answered after entry `since` of its request log."""
    server_paths = ("/oauth2/access_token", "/oauth2/revoke_token", "/api/user/")
    return [
        f"{entry['method']} {entry['path']}"
        for entry in lms.requests_log()[since:]
        if entry["path"].startswith(server_paths)
    ]


def refresh_at_lms(lms, app, refresh_token: str) -> dict:
    """What the LMS answers the app's client when it presents `refresh_token`."""
    response = requests.post(
        lms.url + "/oauth2/access_token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(app.env["LMSAUTH_CLIENT_ID"], app.env["LMSAUTH_CLIENT_SECRET"]),
        timeout=10,
    )
    return response.json()


def jwt_header(token: str) -> dict:
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def test_sign_in_asks_for_code_with_pkce_and_state(main_app, lms):
    browser = Browser(lms.learner)
    response = browser.start(main_app.url)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(lms.url + "/oauth2/authorize/")
    params = query(location)
    assert params["response_type"] == "code"
    assert params["client_id"] == main_app.env["LMSAUTH_CLIENT_ID"]
    assert params["redirect_uri"] == main_app.url + "/auth/callback/"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20
    assert params["scope"].split() == ["user_id", "profile", "email"]


def test_trusted_sign_in_lands_home_with_one_back_channel_request(main_app, lms):
    browser = Browser(lms.learner)
    before = len(lms.requests_log())
    page = browser.sign_in(main_app.url)
    assert page.status_code == 200
    assert page.url == main_app.url + "/"
    assert "Hello, Lena Learner" in page.text
    assert browser.consent_page is None
    assert back_channel(lms, before) == ["POST /oauth2/access_token"]
    # Tokens stay on the server: the browser holds only the session id.
    assert set(browser.http.cookies.keys()) >= {"lmsauth_sessionid", "lmsauth_csrftoken"}
    session = main_app.session_data(browser.app_session_key())
    token = session["lms_token"]["access_token"]
    assert jwt_header(token)["alg"] == "RS512"
    assert session["lms_claims"]["user_id"] > 0
    for response in browser.pages:
        assert token not in response.text
        assert session["lms_token"]["refresh_token"] not in response.text


def test_consent_shown_then_remembered(make_app, lms):
    client = None
    app = make_app(client=client)
    # make_app registers a trusted client; this one must ask first.
    lms.shell(
        "from oauth2_provider.models import Application\n"
        f"Application.objects.filter(client_id={app.client.client_id!r})"
        ".update(skip_authorization=False)"
    )
    browser = Browser(lms.learner)
    page = browser.sign_in(app.url)
    assert browser.consent_page is not None
    assert "Authorize" in browser.consent_page.text
    assert page.status_code == 200 and "Hello, Lena Learner" in page.text
    # Another browser, same person: the LMS remembers the approval for the same scopes.
    again = Browser(lms.learner)
    page = again.sign_in(app.url)
    assert again.consent_page is None
    assert "Hello, Lena Learner" in page.text


def test_declined_consent_is_a_clear_page(make_app, lms):
    app = make_app()
    lms.shell(
        "from oauth2_provider.models import Application\n"
        f"Application.objects.filter(client_id={app.client.client_id!r})"
        ".update(skip_authorization=False)"
    )
    browser = Browser(lms.staff)
    page = browser.sign_in(app.url, consent="cancel")
    assert page.status_code == 403
    assert "You did not allow access" in page.text
    assert "sign in again and choose Allow" in page.text
    assert browser.get(app.url + "/profile/").status_code == 302


def test_code_is_bound_to_the_pkce_verifier(main_app, lms):
    browser = Browser(lms.learner)
    callback = browser.authorize(main_app.url)
    client = main_app.env
    # Someone holding the code and even the client secret, but not the verifier, gets nothing.
    response = requests.post(
        lms.url + "/oauth2/access_token",
        data={
            "grant_type": "authorization_code",
            "code": query(callback)["code"],
            "redirect_uri": main_app.url + "/auth/callback/",
            "code_verifier": "x" * 50,
        },
        auth=(client["LMSAUTH_CLIENT_ID"], client["LMSAUTH_CLIENT_SECRET"]),
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_next_brings_the_user_back(main_app, lms):
    browser = Browser(lms.learner)
    page = browser.sign_in(main_app.url, next_url="/profile/")
    assert page.url == main_app.url + "/profile/"
    assert "Your profile" in page.text


def test_protected_page_sends_anonymous_users_through_sign_in(main_app, lms):
    browser = Browser(lms.learner)
    response = browser.get(main_app.url + "/profile/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login/?next=/profile/"
    page = browser.follow(browser.get(browser.authorize(main_app.url, next_url="/profile/")))
    assert page.url == main_app.url + "/profile/"


def test_profile_uses_accounts_api_once_per_session(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    before = len(lms.requests_log())
    first = browser.get(main_app.url + "/profile/")
    second = browser.get(main_app.url + "/profile/")
    assert first.status_code == second.status_code == 200
    assert back_channel(lms, before) == ["GET /api/user/v1/accounts/learner"]
    assert "Lena Learner" in first.text
    assert "learner@example.com" in first.text
    assert f'class="avatar" src="{lms.url}/static/images/profiles/default_' in first.text
    assert "did not send your full profile" not in first.text


def test_accounts_api_failure_shows_claims_with_a_notice(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    main_app.update_session(
        browser.app_session_key(), "session['lms_token']['access_token'] = 'not-a-token'"
    )
    page = browser.get(main_app.url + "/profile/")
    assert page.status_code == 200
    assert "did not send your full profile" in page.text
    assert "Lena Learner" in page.text and "learner@example.com" in page.text


def test_expired_token_is_refreshed_as_a_jwt(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    key = browser.app_session_key()
    old = main_app.session_data(key)["lms_token"]
    main_app.update_session(key, "session['lms_token']['expires_at'] = 0")
    before = len(lms.requests_log())
    page = browser.get(main_app.url + "/profile/")
    assert page.status_code == 200
    assert "did not send your full profile" not in page.text
    assert back_channel(lms, before) == [
        "POST /oauth2/access_token",
        "GET /api/user/v1/accounts/learner",
    ]
    new = main_app.session_data(key)["lms_token"]
    # The LMS's JWTs carry no unique id: one issued in the same second as the first is the same
    # text, so what shows the refresh is a token valid again, and the rotated refresh token.
    assert new["expires_at"] > time.time()
    assert jwt_header(new["access_token"])["alg"] == "RS512"
    assert new["refresh_token"] != old["refresh_token"]
    # The LMS rotated the refresh token: the old one is dead.
    assert refresh_at_lms(lms, main_app, old["refresh_token"])["error"] == "invalid_grant"


def test_rejected_refresh_sends_the_user_through_sign_in(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    main_app.update_session(
        browser.app_session_key(),
        "session['lms_token'].update(expires_at=0, refresh_token='revoked-elsewhere')",
    )
    response = browser.get(main_app.url + "/profile/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login/?next=/profile/"
    # The old session is gone; signing in again works and comes back to the profile.
    page = browser.follow(browser.get(browser.authorize(main_app.url, "/profile/")))
    assert page.url == main_app.url + "/profile/"


def test_sign_out_revokes_and_signs_out_of_the_lms(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    refresh_token = main_app.session_data(browser.app_session_key())["lms_token"]["refresh_token"]
    form = browser.get(main_app.url + "/auth/logout/")
    assert form.status_code == 200 and "Sign out" in form.text
    before = len(lms.requests_log())
    response = browser.post(
        main_app.url + "/auth/logout/", {"csrfmiddlewaretoken": browser.csrf_token()}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(lms.url + "/logout?")
    assert query(location) == {
        "client_id": main_app.env["LMSAUTH_CLIENT_ID"],
        "redirect_url": main_app.url + "/",
    }
    assert back_channel(lms, before) == ["POST /oauth2/revoke_token/"]
    assert refresh_at_lms(lms, main_app, refresh_token)["error"] == "invalid_grant"
    assert browser.get(main_app.url + "/profile/").status_code == 302
    # The LMS ends its own session and sends the browser back to the app.
    logout_page = browser.get(location)
    assert logout_page.status_code == 200
    assert parse_page(logout_page.text).iframes == [main_app.url + "/auth/logout/lms/"]
    assert f'href="{main_app.url}/"' in logout_page.text
    assert browser.get(lms.url + "/dashboard").status_code == 302


def test_sign_out_needs_the_csrf_token(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    response = browser.post(main_app.url + "/auth/logout/", {})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert browser.get(main_app.url + "/profile/").status_code == 200


def test_lms_logout_ends_the_app_session_in_its_iframe(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    assert browser.get(main_app.url + "/profile/").status_code == 200
    # The person signs out on the LMS; its page loads our logout URL in a hidden iframe.
    logout_page = browser.get(lms.url + "/logout")
    frames = parse_page(logout_page.text).iframes
    assert frames == [main_app.url + "/auth/logout/lms/"]
    frame = browser.get(frames[0])
    assert frame.status_code == 200
    assert "X-Frame-Options" not in frame.headers
    assert frame.headers["Content-Security-Policy"] == (f"frame-ancestors 'self' {lms.url}")
    assert browser.get(main_app.url + "/profile/").status_code == 302
    # Every other page refuses to be framed.
    assert browser.get(main_app.url + "/").headers["X-Frame-Options"] == "DENY"


def test_cookies_are_the_apps_own(main_app, lms):
    browser = Browser(lms.learner)
    browser.sign_in(main_app.url)
    cookies = {c.name: c for c in browser.http.cookies}
    session = cookies["lmsauth_sessionid"]
    assert session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite") == "Lax"
    assert not session.secure
    csrf = cookies["lmsauth_csrftoken"]
    assert csrf.get_nonstandard_attr("SameSite") == "Lax"


def local_user(app, lms_user_id: int) -> dict:
    code = (
        "import json\n"
        "from profiles.models import LMSIdentity\n"
        f"i = LMSIdentity.objects.select_related('user').get(lms_user_id={lms_user_id})\n"
        "u = i.user\n"
        "print(json.dumps({'pk': u.pk, 'username': u.username, 'email': u.email,"
        " 'first_name': u.first_name, 'is_staff': u.is_staff,"
        " 'usable_password': u.has_usable_password()}))"
    )
    return json.loads(app.shell(code).strip().splitlines()[-1])


def test_local_user_follows_the_lms_account(make_app, lms):
    app = make_app()
    person = lms.create_user("renamed", staff=True, name="Rita Renamed")
    browser = Browser(person)
    browser.sign_in(app.url)
    claims = app.session_data(browser.app_session_key())["lms_claims"]
    first = local_user(app, claims["user_id"])
    assert first["username"] == "renamed"
    assert first["email"] == "renamed@example.com"
    assert first["first_name"] == "Rita"
    assert first["is_staff"] is True  # LMSAUTH_STAFF_FROM_LMS=true and an LMS administrator
    assert first["usable_password"] is False
    # The LMS renames the account and drops staff: same local user, updated.
    lms.shell(
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.filter(username='renamed')"
        ".update(username='rita', email='rita@example.com', is_staff=False)"
    )
    again = Browser(type(person)("rita", "rita@example.com", person.password))
    assert "Hello" in again.sign_in(app.url).text
    second = local_user(app, claims["user_id"])
    assert second["pk"] == first["pk"]
    assert (second["username"], second["email"], second["is_staff"]) == (
        "rita",
        "rita@example.com",
        False,
    )
