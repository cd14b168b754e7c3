"""The stand-in's token and revocation endpoints behave like the LMS's."""

import jwt
import pytest
import requests

from devstack.standin import redirect_params
from tests.standin.conftest import CALLBACK


@pytest.fixture(scope="module")
def learner_session(standin_lms):
    return standin_lms.signed_in_session()


def new_code(lms, session, client, scope="user_id profile email"):
    return redirect_params(lms.authorize(session, client, scope=scope))["code"]


def user_id(lms, username):
    return lms.query("SELECT id FROM auth_user WHERE username = ?", (username,))[0][0]


def rsa_public_key(lms):
    return jwt.PyJWKSet.from_dict(lms.jwks).keys[0].key


def test_asymmetric_jwt_has_lms_claims(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    response = standin_lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "JWT"
    assert body["expires_in"] == 3600
    assert "." not in body["refresh_token"]

    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS512" and header["kid"] == "openedx"
    claims = jwt.decode(
        body["access_token"],
        rsa_public_key(standin_lms),
        algorithms=["RS512"],
        audience="openedx",
        issuer=standin_lms.url + "/oauth2",
    )
    learner_id = user_id(standin_lms, "learner")
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["preferred_username"] == "learner"
    assert claims["user_id"] == learner_id
    assert claims["email"] == "learner@example.com"
    assert claims["name"] == "Lena Learner"
    assert (claims["given_name"], claims["family_name"]) == ("Lena", "Learner")
    assert claims["administrator"] is False and claims["superuser"] is False
    assert set(claims["scopes"]) == {"user_id", "profile", "email"}
    assert claims["grant_type"] == "authorization-code"
    assert claims["version"] and claims["sub"] and claims["filters"] == []
    assert claims["is_restricted"] is False and claims["email_verified"] is True


def test_claims_follow_granted_scopes(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client, scope="user_id")
    token = standin_lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true").json()
    claims = jwt.decode(
        token["access_token"], rsa_public_key(standin_lms), algorithms=["RS512"], audience="openedx"
    )
    assert "user_id" in claims
    for absent in ("email", "name", "given_name", "family_name", "administrator", "superuser"):
        assert absent not in claims


def test_staff_claims(standin_lms, client):
    session = standin_lms.signed_in_session(standin_lms.staff)
    code = new_code(standin_lms, session, client, scope="profile")
    token = standin_lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true").json()
    claims = jwt.decode(
        token["access_token"], rsa_public_key(standin_lms), algorithms=["RS512"], audience="openedx"
    )
    assert claims["administrator"] is True
    assert "user_id" not in claims


def test_jwt_is_hs256_unless_asymmetric_asked(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    token = standin_lms.exchange_code(client, code, token_type="jwt").json()["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, standin_lms.jwt_secret_key, algorithms=["HS256"], audience="openedx")
    assert claims["preferred_username"] == "learner"
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(token, rsa_public_key(standin_lms), algorithms=["RS512"], audience="openedx")


def code_grant(code: str, **more: str) -> dict[str, str]:
    """The form of a token request for an authorization code, client authentication aside."""
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **more}


def test_token_type_header_gives_jwt(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    response = requests.post(
        standin_lms.url + "/oauth2/access_token",
        data=code_grant(code, asymmetric_jwt="true"),
        headers={"X-Token-Type": "jwt"},
        auth=(client.client_id, client.client_secret),
    )
    assert response.json()["token_type"] == "JWT"


def test_form_client_authentication(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    form = code_grant(code, client_id=client.client_id, client_secret=client.client_secret)
    response = requests.post(standin_lms.url + "/oauth2/access_token", data=form)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("how", ["basic", "form"])
def test_wrong_secret_is_invalid_client(standin_lms, learner_session, client, how):
    code = new_code(standin_lms, learner_session, client)
    data = code_grant(code)
    if how == "basic":
        response = requests.post(
            standin_lms.url + "/oauth2/access_token",
            data=data,
            auth=(client.client_id, "wrong-secret"),
        )
    else:
        data.update(client_id=client.client_id, client_secret="wrong-secret")
        response = requests.post(standin_lms.url + "/oauth2/access_token", data=data)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def refresh(lms, client, refresh_token, **form):
    return requests.post(
        lms.url + "/oauth2/access_token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **form},
        auth=(client.client_id, client.client_secret),
    )


def test_refresh_rotates_refresh_token(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    first = standin_lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true").json()
    second = refresh(
        standin_lms, client, first["refresh_token"], token_type="jwt", asymmetric_jwt="true"
    )
    assert second.status_code == 200, second.text
    assert second.json()["token_type"] == "JWT"
    assert second.json()["refresh_token"] != first["refresh_token"]

    stale = refresh(standin_lms, client, first["refresh_token"])
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"
    assert refresh(standin_lms, client, second.json()["refresh_token"]).status_code == 200


def revoke(lms, client, refresh_token: str, secret: str) -> requests.Response:
    return requests.post(
        lms.url + "/oauth2/revoke_token/",
        data={"token": refresh_token, "token_type_hint": "refresh_token"},
        auth=(client.client_id, secret),
    )


def test_revoked_refresh_token_no_longer_refreshes(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    tokens = standin_lms.exchange_code(client, code).json()
    revoked = revoke(standin_lms, client, tokens["refresh_token"], client.client_secret)
    assert revoked.status_code == 200
    assert refresh(standin_lms, client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    me = requests.get(
        standin_lms.url + "/api/user/v1/me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert me.status_code == 401


def test_revoke_needs_client_authentication(standin_lms, learner_session, client):
    code = new_code(standin_lms, learner_session, client)
    tokens = standin_lms.exchange_code(client, code).json()
    refused = revoke(standin_lms, client, tokens["refresh_token"], "wrong-secret")
    assert refused.status_code == 401
    assert refresh(standin_lms, client, tokens["refresh_token"]).status_code == 200


def test_client_credentials_token_belongs_to_the_owner(standin_lms):
    service = standin_lms.register_client(
        "service-tests", [], grant_type="client-credentials", scopes=[]
    )
    response = requests.post(
        standin_lms.url + "/oauth2/access_token",
        data={"grant_type": "client_credentials", "token_type": "jwt"},
        auth=(service.client_id, service.client_secret),
    )
    assert response.status_code == 200, response.text
    claims = jwt.decode(
        response.json()["access_token"], standin_lms.jwt_secret_key, algorithms=["HS256"],
        audience="openedx",
    )  # fmt: skip
    assert claims["preferred_username"] == standin_lms.service_username
    assert claims["grant_type"] == "client-credentials"


def test_generated_key_is_shared_by_server_and_commands(standin_lms, standin_lms_factory):
    lms = standin_lms_factory(extra_env={"STANDIN_LMS_JWT_PRIVATE_KEY": ""})
    client = lms.register_client("own-key", [CALLBACK])
    code = new_code(lms, lms.signed_in_session(), client, scope="user_id")
    token = lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true").json()
    key_file = lms.db_path.with_name(lms.db_path.name + ".jwt-key.pem")
    assert key_file.stat().st_mode & 0o077 == 0
    assert lms.jwt_private_key != standin_lms.jwt_private_key
    claims = jwt.decode(
        token["access_token"], rsa_public_key(lms), algorithms=["RS512"], audience="openedx"
    )
    assert claims["preferred_username"] == "learner"
    # A command run later signs with the same key the server used.
    signed = lms.shell(
        "from openedx.core.djangoapps.oauth_dispatch import jwt\n"
        "print(jwt.encode({'aud': 'openedx'}, asymmetric=True))"
    ).stdout.split()[-1]
    assert jwt.decode(signed, rsa_public_key(lms), algorithms=["RS512"], audience="openedx")
