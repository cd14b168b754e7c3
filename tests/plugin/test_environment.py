"""What the `lmsauth` service is told: the environment file Tutor renders from the config."""

import ast
import json

import dj_database_url
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.plugin.conftest import new_project

# The contract between the plugin and the app: exactly these variables, no more.
CONTRACT_VARIABLES = {
    "LMSAUTH_LMS_URL",
    "LMSAUTH_LMS_INTERNAL_URL",
    "LMSAUTH_PUBLIC_URL",
    "LMSAUTH_CLIENT_ID",
    "LMSAUTH_CLIENT_SECRET",
    "LMSAUTH_PREVIOUS_CLIENT_SECRET",
    "LMSAUTH_SCOPES",
    "LMSAUTH_JWT_PUBLIC_KEYS",
    "LMSAUTH_JWT_ISSUER",
    "LMSAUTH_JWT_AUDIENCE",
    "LMSAUTH_SECRET_KEY",
    "LMSAUTH_DATABASE_URL",
    "LMSAUTH_TRUST_PROXY",
    "LMSAUTH_HTTPS",
    "LMSAUTH_STAFF_FROM_LMS",
    "LMSAUTH_LOG_LEVEL",
    "LMSAUTH_DEBUG",
    "LMSAUTH_RUNNER",
}


def test_enabling_and_saving_raise_no_alert(each_project):
    assert "Failed to enable plugin" not in each_project.output
    assert "lmsauth" in each_project.config()["PLUGINS"]


def test_the_environment_holds_exactly_the_contract_variables(each_project):
    assert set(each_project.app_env()) == CONTRACT_VARIABLES


def test_default_environment(default):
    env = default.app_env()
    config = default.config()
    assert env["LMSAUTH_LMS_URL"] == "http://local.openedx.io"
    assert env["LMSAUTH_LMS_INTERNAL_URL"] == "http://lms:8000"
    assert env["LMSAUTH_PUBLIC_URL"] == "http://lmsauth.local.openedx.io"
    assert env["LMSAUTH_CLIENT_ID"] == "lmsauth-sso"
    assert env["LMSAUTH_CLIENT_SECRET"] == config["LMSAUTH_CLIENT_SECRET"]
    assert env["LMSAUTH_PREVIOUS_CLIENT_SECRET"] == ""
    assert env["LMSAUTH_SCOPES"] == "user_id profile email"
    assert env["LMSAUTH_JWT_ISSUER"] == "http://local.openedx.io/oauth2"
    assert env["LMSAUTH_JWT_AUDIENCE"] == "openedx"
    assert env["LMSAUTH_SECRET_KEY"] == config["LMSAUTH_SECRET_KEY"]
    assert env["LMSAUTH_DATABASE_URL"] == "sqlite:////data/lmsauth.sqlite3"
    assert env["LMSAUTH_TRUST_PROXY"] == "true"
    assert env["LMSAUTH_HTTPS"] == "false"
    assert env["LMSAUTH_DEBUG"] == "false"
    # The app's error pages name `tutor local do ...` (dev and k8s: tests of their own files).
    assert env["LMSAUTH_RUNNER"] == "local"


def test_generated_secrets_are_long_random_and_distinct(projects):
    secrets = []
    for project in projects.values():
        config = project.config()
        for key in ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY", "LMSAUTH_MYSQL_PASSWORD"):
            assert len(config[key]) >= 32 and config[key].isalnum(), key
            secrets.append(config[key])
    assert len(set(secrets)) == len(secrets)


def test_path_mode_puts_the_prefix_in_the_public_url(path_mode):
    assert path_mode.app_env()["LMSAUTH_PUBLIC_URL"] == "http://local.openedx.io/lmsauth"


def test_https_makes_every_public_url_https(https):
    env = https.app_env()
    assert env["LMSAUTH_LMS_URL"] == "https://courses.example.org"
    assert env["LMSAUTH_PUBLIC_URL"] == "https://lmsauth.courses.example.org"
    assert env["LMSAUTH_JWT_ISSUER"] == "https://courses.example.org/oauth2"
    assert env["LMSAUTH_HTTPS"] == "true"
    # The LMS is still reached over the internal network.
    assert env["LMSAUTH_LMS_INTERNAL_URL"] == "http://lms:8000"


def test_secure_cookies_follow_the_apps_own_scheme(tmp_path_factory):
    # An app behind a proxy of its own: its public URL is overridden, whatever ENABLE_HTTPS says.
    project = new_project(
        tmp_path_factory,
        {"ENABLE_HTTPS": True, "LMSAUTH_PUBLIC_URL": "http://sso.internal.example.org"},
    )
    # The app refuses LMSAUTH_HTTPS=true with an http:// public URL, and would not start.
    assert project.app_env()["LMSAUTH_HTTPS"] == "false"
    project.save({"ENABLE_HTTPS": False, "LMSAUTH_PUBLIC_URL": "https://sso.example.org"})
    assert project.app_env()["LMSAUTH_HTTPS"] == "true"


def test_mysql_mode_points_the_app_at_its_own_database(mysql):
    config = mysql.config()
    assert mysql.app_env()["LMSAUTH_DATABASE_URL"] == (
        f"mysql://lmsauth:{config['LMSAUTH_MYSQL_PASSWORD']}@mysql:3306/lmsauth"
    )


def test_an_operator_chosen_mysql_password_reaches_the_app_intact(tmp_path_factory):
    # Every character the secrets' rule allows; the rule keeps "/", "@", ":" and "%" out.
    password = "Operator.chosen~MySQL_password-0123456789"
    project = new_project(
        tmp_path_factory, {"LMSAUTH_DATABASE": "mysql", "LMSAUTH_MYSQL_PASSWORD": password}
    )
    parsed = dj_database_url.parse(project.app_env()["LMSAUTH_DATABASE_URL"])
    assert (parsed["USER"], parsed["PASSWORD"]) == ("lmsauth", password)
    assert (parsed["HOST"], parsed["PORT"], parsed["NAME"]) == ("mysql", 3306, "lmsauth")


def test_the_jwt_key_set_verifies_what_the_lms_signs(default):
    """A token signed as the LMS does (RS512, Tutor's JWT_RSA_PRIVATE_KEY) passes the key set."""
    key_set = json.loads(default.app_env()["LMSAUTH_JWT_PUBLIC_KEYS"])
    (jwk,) = key_set["keys"]
    assert set(jwk) == {"kty", "kid", "n", "e"}  # public half only
    assert (jwk["kty"], jwk["kid"]) == ("RSA", "openedx")
    private_pem = default.config()["JWT_RSA_PRIVATE_KEY"].encode()
    token = jwt.encode({"sub": "x"}, private_pem, algorithm="RS512", headers={"kid": "openedx"})
    public_key = jwt.PyJWK(jwk, algorithm="RS512").key
    assert jwt.decode(token, public_key, algorithms=["RS512"]) == {"sub": "x"}

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"sub": "x"},
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        algorithm="RS512",
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, public_key, algorithms=["RS512"])


def lms_public_jwk_set(project) -> dict:
    """JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"] of the LMS's production settings, as data."""
    settings = project.read("apps", "openedx", "settings", "lms", "production.py")
    for node in ast.walk(ast.parse(settings)):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and ast.unparse(node.targets[0]) == "JWT_AUTH['JWT_PUBLIC_SIGNING_JWK_SET']"
        ):
            (key_set,) = node.value.args  # json.dumps({...})
            return ast.literal_eval(key_set)
    raise AssertionError("the LMS settings set no JWT_PUBLIC_SIGNING_JWK_SET")


def test_the_app_trusts_the_key_set_the_lms_publishes(each_project):
    app_keys = json.loads(each_project.app_env()["LMSAUTH_JWT_PUBLIC_KEYS"])
    assert app_keys == lms_public_jwk_set(each_project)


def test_saving_the_config_prints_no_secret(each_project):
    config = each_project.config()
    keys = [key for key in config if key.startswith("LMSAUTH_") and key.endswith(("SECRET", "KEY"))]
    secrets = [config[key] for key in keys + ["LMSAUTH_MYSQL_PASSWORD"] if config[key]]
    assert len(secrets) >= 4
    for secret in secrets:
        assert secret not in each_project.output
