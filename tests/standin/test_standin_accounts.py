"""The stand-in's user APIs and their authentication behave like the LMS's."""

import time

import jwt
import pytest
import requests

from devstack.standin import redirect_params


def tokens_for(lms, client, user, **form):
    session = lms.signed_in_session(user)
    code = redirect_params(lms.authorize(session, client))["code"]
    response = lms.exchange_code(client, code, **form)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def opaque(standin_lms, client):
    return tokens_for(standin_lms, client, standin_lms.learner)


@pytest.fixture(scope="module")
def rs512(standin_lms, client):
    return tokens_for(
        standin_lms, client, standin_lms.learner, token_type="jwt", asymmetric_jwt="true"
    )


def get(lms, path, header=None, session=None):
    headers = {"Authorization": header} if header else {}
    return (session or requests).get(lms.url + path, headers=headers, timeout=10)


def test_me_with_opaque_bearer_token(standin_lms, opaque):
    response = get(standin_lms, "/api/user/v1/me", f"Bearer {opaque}")
    assert response.status_code == 200
    assert response.json() == {"username": "learner"}


@pytest.mark.parametrize("asymmetric", ["true", "false"])
def test_me_with_jwt(standin_lms, client, asymmetric):
    token = tokens_for(
        standin_lms, client, standin_lms.learner, token_type="jwt", asymmetric_jwt=asymmetric
    )
    assert get(standin_lms, "/api/user/v1/me", f"JWT {token}").json() == {"username": "learner"}


def test_jwt_sent_as_bearer_is_refused(standin_lms, rs512):
    assert get(standin_lms, "/api/user/v1/me", f"Bearer {rs512}").status_code == 401


def test_opaque_token_sent_as_jwt_is_refused(standin_lms, opaque):
    assert get(standin_lms, "/api/user/v1/me", f"JWT {opaque}").status_code == 401


def test_no_credentials_is_401(standin_lms):
    response = get(standin_lms, "/api/user/v1/accounts/learner")
    assert response.status_code == 401
    assert "detail" in response.json()


def forged(lms, key, algorithm="RS512", **changes):
    now = int(time.time())
    claims = {
        "iss": lms.issuer,
        "aud": "openedx",
        "iat": now,
        "exp": now + 60,
        "preferred_username": "learner",
        **changes,
    }
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "openedx"})


def test_expired_or_foreign_jwt_is_refused(standin_lms):
    # Control: a token signed with the LMS's own key passes, so each refusal below is for its flaw.
    valid = forged(standin_lms, standin_lms.jwt_private_key)
    assert get(standin_lms, "/api/user/v1/me", f"JWT {valid}").ok
    expired = forged(standin_lms, standin_lms.jwt_private_key, exp=int(time.time()) - 10)
    assert get(standin_lms, "/api/user/v1/me", f"JWT {expired}").status_code == 401
    wrong_issuer = forged(standin_lms, standin_lms.jwt_private_key, iss="http://elsewhere/oauth2")
    assert get(standin_lms, "/api/user/v1/me", f"JWT {wrong_issuer}").status_code == 401
    wrong_secret = forged(standin_lms, "not-the-lms-secret-but-long-enough!!", algorithm="HS256")
    assert get(standin_lms, "/api/user/v1/me", f"JWT {wrong_secret}").status_code == 401


def test_owner_sees_full_account(standin_lms, opaque):
    account = get(standin_lms, "/api/user/v1/accounts/learner", f"Bearer {opaque}").json()
    assert account["username"] == "learner"
    assert account["email"] == "learner@example.com"
    assert account["name"] == "Lena Learner"
    assert account["date_joined"].endswith("Z")
    assert {"country", "language", "bio", "is_active", "year_of_birth"} <= set(account)
    image = account["profile_image"]
    assert image["has_image"] is False
    assert {"image_url_full", "image_url_large", "image_url_medium", "image_url_small"} <= set(
        image
    )
    picture = requests.get(image["image_url_medium"], timeout=10)
    assert picture.status_code == 200
    assert picture.headers["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")


def test_other_users_see_fewer_fields(standin_lms, client):
    other = standin_lms.create_user("curious")
    token = tokens_for(standin_lms, client, other)
    account = get(standin_lms, "/api/user/v1/accounts/learner", f"Bearer {token}").json()
    assert account["username"] == "learner"
    assert "profile_image" in account
    assert "email" not in account and "name" not in account


def test_staff_sees_full_account_of_others(standin_lms, client):
    token = tokens_for(standin_lms, client, standin_lms.staff)
    account = get(standin_lms, "/api/user/v1/accounts/learner", f"Bearer {token}").json()
    assert account["email"] == "learner@example.com"


def test_unknown_account_is_404(standin_lms, opaque):
    response = get(standin_lms, "/api/user/v1/accounts/nobody-here", f"Bearer {opaque}")
    assert response.status_code == 404


def test_session_authentication(standin_lms):
    session = standin_lms.signed_in_session()
    assert get(standin_lms, "/api/user/v1/me", session=session).json() == {"username": "learner"}


def test_name_falls_back_to_first_and_last_name(standin_lms, client):
    standin_lms.manage("manage_user", "nameless", "nameless@example.com")
    standin_lms.shell(
        "from django.contrib.auth.models import User\n"
        "u = User.objects.get(username='nameless')\n"
        "u.first_name, u.last_name = 'Nia', 'Noprofile'\n"
        "u.set_password('pw-nameless')\n"
        "u.save()\n"
    )
    token = tokens_for(standin_lms, client, standin_lms.staff)
    account = get(standin_lms, "/api/user/v1/accounts/nameless", f"Bearer {token}").json()
    assert account["name"] == "Nia Noprofile"
