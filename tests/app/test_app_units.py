"""The app's pure helpers: configuration, JWT checks, secret rotation, redirects, logging."""

import json
import logging
import time

import pytest
from authlib.integrations.base_client import OAuthError
from identifier import environment
from identifier.logs import JsonFormatter
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from profiles.account import public_image_url
from profiles.redirects import is_own_url
from profiles.rotation import ClientSecrets
from profiles.tokens import InvalidToken, Verifier

from devstack.standin import keys

VALID = {
    "LMSAUTH_LMS_URL": "http://local.openedx.io",
    "LMSAUTH_LMS_INTERNAL_URL": "http://lms:8000",
    "LMSAUTH_PUBLIC_URL": "http://local.openedx.io/lmsauth/",
    "LMSAUTH_CLIENT_ID": "lmsauth-sso",
    "LMSAUTH_CLIENT_SECRET": "s" * 64,
    "LMSAUTH_JWT_PUBLIC_KEYS": keys.public_jwk_set_json(keys.generate_private_key_pem()),
    "LMSAUTH_JWT_ISSUER": "http://local.openedx.io/oauth2",
    "LMSAUTH_SECRET_KEY": "k" * 50,
}


def test_configuration_defaults_and_path_mode():
    config = environment.load(VALID)
    assert config.public_url == "http://local.openedx.io/lmsauth"
    assert config.script_name == "/lmsauth"
    assert config.public_host == "local.openedx.io"
    assert config.public_origin == "http://local.openedx.io"
    assert config.scopes == ("user_id", "profile", "email")
    assert config.jwt_audience == "openedx"
    assert config.database_url == "sqlite:///lmsauth.sqlite3"
    assert (config.https, config.trust_proxy, config.debug) == (False, False, False)
    assert (config.sign_in_rate, config.session_cleanup_interval) == ("60/m", 300)
    assert environment.load({**VALID, "LMSAUTH_PUBLIC_URL": "https://a.b"}).script_name == ""


@pytest.mark.parametrize("name", environment.REQUIRED)
def test_each_required_setting_is_named_when_missing(name):
    with pytest.raises(environment.ConfigError, match=f"^{name} is not set$"):
        environment.load({**VALID, name: " "})


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("LMSAUTH_LMS_URL", "local.openedx.io", "LMSAUTH_LMS_URL must be an http"),
        ("LMSAUTH_LMS_INTERNAL_URL", "http://lms:8000/?x=1", "must not have a query"),
        ("LMSAUTH_JWT_PUBLIC_KEYS", "[1, 2]", "LMSAUTH_JWT_PUBLIC_KEYS must be a JWK set"),
        ("LMSAUTH_JWT_PUBLIC_KEYS", '{"keys": [{"kty": "oct"}]}', "holds no RSA key"),
        ("LMSAUTH_JWT_PUBLIC_KEYS", '{"keys": [{"kty": "RSA"}]}', "holds a malformed key"),
        (
            "LMSAUTH_JWT_PUBLIC_KEYS",
            '{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}',
            "holds a malformed key",
        ),
        ("LMSAUTH_SCOPES", "profile email", "LMSAUTH_SCOPES must include user_id"),
        ("LMSAUTH_SECRET_KEY", "short", "LMSAUTH_SECRET_KEY is too short"),
        ("LMSAUTH_LOG_LEVEL", "LOUD", "LMSAUTH_LOG_LEVEL must be one of"),
        ("LMSAUTH_DEBUG", "perhaps", "LMSAUTH_DEBUG must be true or false"),
        ("LMSAUTH_HTTPS", "true", "must start with https:// when LMSAUTH_HTTPS"),
        ("LMSAUTH_DATABASE_URL", "postgres://x/y", "must be a sqlite:// or mysql://"),
        ("LMSAUTH_LMS_TIMEOUT", "0", "LMSAUTH_LMS_TIMEOUT must be between"),
        ("LMSAUTH_RUNNER", "docker", "LMSAUTH_RUNNER must be one of local, dev, k8s"),
        ("LMSAUTH_SIGN_IN_RATE", "lots", "LMSAUTH_SIGN_IN_RATE must be a count per period"),
        ("LMSAUTH_SIGN_IN_RATE", "60/0m", "LMSAUTH_SIGN_IN_RATE must be a count per period"),
        ("LMSAUTH_SESSION_CLEANUP_INTERVAL", "0", "LMSAUTH_SESSION_CLEANUP_INTERVAL must be"),
    ],
)
def test_malformed_settings_are_named(name, value, message):
    with pytest.raises(environment.ConfigError, match=message):
        environment.load({**VALID, name: value})


def test_a_single_jwk_is_accepted_as_a_set():
    single = json.loads(VALID["LMSAUTH_JWT_PUBLIC_KEYS"])["keys"][0]
    config = environment.load({**VALID, "LMSAUTH_JWT_PUBLIC_KEYS": json.dumps(single)})
    assert config.jwt_public_keys == {"keys": [single]}


@pytest.fixture(scope="module")
def signing():
    pem = keys.generate_private_key_pem()
    private = RSAKey.import_key(pem, {"kid": "openedx"})
    verifier = Verifier(
        KeySet.import_key_set(keys.public_jwk_set(pem)), "http://lms/oauth2", "openedx"
    )
    return private, verifier


def claims(**changes):
    now = int(time.time())
    base = {
        "iss": "http://lms/oauth2",
        "aud": "openedx",
        "exp": now + 3600,
        "iat": now,
        "user_id": 7,
        "preferred_username": "learner",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, payload, alg="RS512"):
    return jwt.encode({"alg": alg, "kid": "openedx"}, payload, key, algorithms=[alg])


def test_jwt_signed_by_the_lms_is_accepted(signing):
    private, verifier = signing
    assert verifier.verify(sign(private, claims()))["user_id"] == 7
    # A little clock skew is tolerated.
    assert verifier.verify(sign(private, claims(exp=int(time.time()) - 10)))["user_id"] == 7


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda key: sign(RSAKey.generate_key(2048), claims()), "signature"),
        (lambda key: sign(key, claims(iss="http://evil/oauth2")), "issuer"),
        (lambda key: sign(key, claims(aud="other")), "audience"),
        (lambda key: sign(key, claims(aud=None)), "audience"),
        (lambda key: sign(key, claims(exp=int(time.time()) - 120)), "expired"),
        (lambda key: sign(key, claims(exp=None)), "exp"),
        (lambda key: sign(OctKey.generate_key(256), claims(), alg="HS256"), "signature"),
        (lambda key: "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjo3fQ.", "signature"),
        (lambda key: "garbage", "signature"),
    ],
    ids=[
        "other-key",
        "issuer",
        "audience",
        "no-audience",
        "expired",
        "no-exp",
        "hs256",
        "alg-none",
        "garbage",
    ],
)
def test_untrusted_jwts_are_rejected(signing, make, reason):
    private, verifier = signing
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(make(private))
    assert raised.value.reason == reason


class FakeLMS:
    """Accepts one secret; records which secrets were tried."""

    def __init__(self, accepted):
        self.accepted = accepted
        self.tried = []

    def __call__(self, secret):
        self.tried.append(secret)
        if secret != self.accepted:
            raise OAuthError(error="invalid_client")
        return "token"


def test_rotation_retries_once_and_remembers(caplog):
    secrets = ClientSecrets("new-secret", "old-secret")
    lms = FakeLMS("old-secret")
    with caplog.at_level(logging.WARNING):
        assert secrets.call(lms) == "token"
        assert secrets.call(lms) == "token"
    assert lms.tried == ["new-secret", "old-secret", "old-secret"]
    assert "retrying once with the other" in caplog.text
    assert "old-secret" not in caplog.text and "new-secret" not in caplog.text
    lms.accepted = "new-secret"
    assert secrets.call(lms) == "token"
    assert lms.tried[-2:] == ["old-secret", "new-secret"]


def test_rotation_gives_up_after_both_secrets():
    lms = FakeLMS("neither")
    with pytest.raises(OAuthError) as raised:
        ClientSecrets("a", "b").call(lms)
    assert raised.value.error == "invalid_client"
    assert lms.tried == ["a", "b"]


def test_no_retry_without_a_previous_secret_or_for_other_errors():
    lms = FakeLMS("other")
    with pytest.raises(OAuthError):
        ClientSecrets("a").call(lms)
    assert lms.tried == ["a"]

    def replayed_code(secret):
        lms.tried.append(secret)
        raise OAuthError(error="invalid_grant")

    lms.tried.clear()
    with pytest.raises(OAuthError):
        ClientSecrets("a", "b").call(replayed_code)
    assert lms.tried == ["a"]


@pytest.mark.parametrize(
    "candidate, expected",
    [
        ("/lmsauth/profile/", True),
        ("https://learn.example/lmsauth/profile/?tab=1", True),
        ("/lmsauth", False),
        ("/dashboard", False),
        ("http://learn.example/lmsauth/", False),
        ("https://learn.example.evil/lmsauth/", False),
        ("//evil.example/lmsauth/", False),
        ("/\\evil.example/lmsauth/", False),
        ("javascript:alert(1)//lmsauth/", False),
        ("", False),
        ("/lmsauth/" + "a" * 2000, False),
        # Dot segments would take the browser out of the prefix, to the LMS on the same host.
        ("/lmsauth/../logout", False),
        ("/lmsauth/%2e%2E/logout", False),
        ("/lmsauth/.%2e/logout", False),
        ("/lmsauth/..\\logout", False),
        ("/lmsauth/\\..\\logout", False),
        ("/lmsauth/./profile/", False),
        ("/lmsauth/profile/..data", True),
    ],
)
def test_only_own_urls_are_followed_after_sign_in(candidate, expected):
    assert is_own_url(candidate, "learn.example", "/lmsauth", https=True) is expected


def test_subdomain_mode_accepts_any_path_on_the_host():
    assert is_own_url("/profile/", "lmsauth.learn.example", "", https=False)
    assert not is_own_url("http://learn.example/", "lmsauth.learn.example", "", https=False)


def test_profile_images_point_at_the_public_lms():
    public, internal = "https://learn.example", "http://lms:8000"
    assert (
        public_image_url("http://lms:8000/media/p/abc_50.jpg", public, internal)
        == "https://learn.example/media/p/abc_50.jpg"
    )
    assert public_image_url("/static/default_50.png", public, internal) == (
        "https://learn.example/static/default_50.png"
    )
    assert public_image_url("https://cdn.example/x.png", public, internal) == (
        "https://cdn.example/x.png"
    )
    assert public_image_url("javascript:alert(1)", public, internal) == ""


def test_log_lines_are_json_without_query_strings():
    class Request:
        path = "/auth/callback/"
        method = "GET"

        def __str__(self):
            return "<WSGIRequest: GET '/auth/callback/?code=secret-code'>"

    record = logging.makeLogRecord(
        {
            "msg": "Bad Request: %s",
            "args": ("/auth/callback/",),
            "levelname": "WARNING",
            "name": "django.request",
            "request": Request(),
            "status_code": 400,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Bad Request: /auth/callback/"
    assert line["path"] == "/auth/callback/"
    assert line["status_code"] == 400
    assert "secret-code" not in json.dumps(line)
