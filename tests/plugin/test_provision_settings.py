"""The LMS settings Tutor renders for provisioning: clients per routing mode, logout lists,
and the messages an operator gets for a client map that cannot work."""

import pytest

from devstack.provisioning import rendered_clients
from devstack.standin import tutor_settings
from devstack.tutor_project import enabled_project
from tests.plugin.conftest import new_project


def lms_settings(project, mode: str = "production") -> dict:
    """The lmsauth blocks of the rendered LMS settings, run over the lists the LMS defines."""
    path = project.env_dir / "apps" / "openedx" / "settings" / "lms" / f"{mode}.py"
    namespace = {
        "LOGIN_REDIRECT_WHITELIST": ["cms.host"],
        "IDA_LOGOUT_URI_LIST": ["cms/logout"],
        "RATELIMIT_RATE": "120/m",
        "__name__": "lms.envs.tutor.production",
    }
    for block in tutor_settings.lmsauth_blocks(path):
        exec(block, namespace)
    return namespace


def bundled(project, mode: str = "production") -> dict:
    return lms_settings(project, mode)["LMSAUTH_OAUTH_CLIENTS"][0]


def test_https_site_registers_https_and_dev_redirect_uris(https):
    config = https.config()
    host = f"lmsauth.{config['LMS_HOST']}"
    dev_host = f"{host}:{config.get('LMSAUTH_DEV_PORT', 8790)}"
    assert bundled(https)["redirect_uris"] == [
        f"https://{host}/auth/callback/",
        f"http://{dev_host}/auth/callback/",
    ]
    settings = lms_settings(https)
    assert settings["LOGIN_REDIRECT_WHITELIST"] == ["cms.host", host, dev_host]
    assert settings["IDA_LOGOUT_URI_LIST"] == ["cms/logout", f"https://{host}/auth/logout/lms/"]


def test_path_mode_registers_the_prefixed_callback(path_mode):
    assert bundled(path_mode)["redirect_uris"][0] == (
        "http://local.openedx.io/lmsauth/auth/callback/"
    )
    assert lms_settings(path_mode)["IDA_LOGOUT_URI_LIST"][-1] == (
        "http://local.openedx.io/lmsauth/auth/logout/lms/"
    )


def test_development_settings_log_out_of_the_dev_app(default):
    development = lms_settings(default, "development")
    assert development["IDA_LOGOUT_URI_LIST"][-1] == (
        "http://lmsauth.local.openedx.io:8790/auth/logout/lms/"
    )
    assert development["LMSAUTH_OAUTH_CLIENTS"] == lms_settings(default)["LMSAUTH_OAUTH_CLIENTS"]


def test_an_overridden_url_with_a_trailing_slash_logs_out_at_the_apps_own_path(
    tmp_path_factory,
):
    # The app and the redirect URIs drop the slash; a "//auth/..." logout URL would be a 404.
    project = new_project(
        tmp_path_factory,
        {
            "LMSAUTH_PUBLIC_URL": "https://sso.example.org/",
            "LMSAUTH_DEV_URL": "http://sso.example.org:8790/",
        },
    )
    assert bundled(project)["redirect_uris"][0] == "https://sso.example.org/auth/callback/"
    assert lms_settings(project)["IDA_LOGOUT_URI_LIST"][-1] == (
        "https://sso.example.org/auth/logout/lms/"
    )
    assert lms_settings(project, "development")["IDA_LOGOUT_URI_LIST"][-1] == (
        "http://sso.example.org:8790/auth/logout/lms/"
    )


def test_bundled_client_follows_the_config(default):
    client = bundled(default)
    config = default.config()
    assert client == {
        "name": "lmsauth-sso",
        "username": "lmsauth",
        "email": "lmsauth@openedx",
        "client_id": "lmsauth-sso",
        "client_secret": config["LMSAUTH_CLIENT_SECRET"],
        "client_type": "confidential",
        "grant_type": "authorization-code",
        "redirect_uris": [
            "http://lmsauth.local.openedx.io/auth/callback/",
            "http://lmsauth.local.openedx.io:8790/auth/callback/",
        ],
        "skip_authorization": True,
        "scopes": ["user_id", "profile", "email"],
    }
    assert len(config["LMSAUTH_CLIENT_SECRET"]) >= 32


def test_extra_clients_get_defaults_and_stable_distinct_secrets(extra):
    clients = {c["name"]: c for c in lms_settings(extra)["LMSAUTH_OAUTH_CLIENTS"]}
    assert list(clients) == ["lmsauth-sso", "exporter", "reports"]
    exporter = clients["exporter"]
    assert (exporter["client_id"], exporter["grant_type"]) == ("exporter", "client-credentials")
    assert (exporter["client_type"], exporter["skip_authorization"]) == ("confidential", False)
    assert exporter["redirect_uris"] == [] and exporter["scopes"] == []
    secrets = {c["client_secret"] for c in clients.values()}
    assert len(secrets) == 3 and min(map(len, secrets)) >= 32
    # Saving again (as every `tutor config save` does) keeps the secrets.
    extra.save()
    settings = extra.env_dir / "apps" / "openedx" / "settings" / "lms" / "production.py"
    assert {c["client_secret"] for c in rendered_clients(settings)} == secrets


@pytest.fixture(scope="module")
def refusing_project(tmp_path_factory):
    """One project for every refused map: each run sets LMSAUTH_EXTRA_CLIENTS anew."""
    return enabled_project(tmp_path_factory.mktemp("tutor-root"))


@pytest.mark.parametrize(
    ("clients", "message"),
    [
        (
            {"bad": {"grant_type": "password", "redirect_uris": ["https://x.example/cb/"]}},
            "LMSAUTH_EXTRA_CLIENTS['bad']: grant_type 'password' is not one of "
            "authorization-code, client-credentials.",
        ),
        (
            {"bad": {"client_type": "secret", "redirect_uris": ["https://x.example/cb/"]}},
            "LMSAUTH_EXTRA_CLIENTS['bad']: client_type 'secret' is not one of "
            "confidential, public.",
        ),
        (
            {"bad": {"redirect_uri": "https://x.example/cb/"}},
            "LMSAUTH_EXTRA_CLIENTS['bad'] has unknown settings redirect_uri; known ones:",
        ),
        (
            {"bad": {"scopes": ["user_id"]}},
            "LMSAUTH_EXTRA_CLIENTS['bad']: an authorization-code client needs at least one "
            "redirect_uris entry.",
        ),
        (
            {"bad": {"grant_type": "client-credentials", "scopes": [1, 2]}},
            "LMSAUTH_EXTRA_CLIENTS['bad'].scopes must be a list of strings",
        ),
        (
            {"bad": ["https://x.example/cb/"]},
            "LMSAUTH_EXTRA_CLIENTS['bad'] must be a map of settings",
        ),
        (
            {"lmsauth-sso": {"redirect_uris": ["https://x.example/cb/"]}},
            "Two lmsauth OAuth clients share the name lmsauth-sso; each needs its own",
        ),
        (
            {"mine": {"client_id": "lmsauth-sso", "redirect_uris": ["https://x.example/cb/"]}},
            "Two lmsauth OAuth clients share the client id lmsauth-sso; each needs its own",
        ),
    ],
)
def test_unusable_extra_client_is_refused_with_the_reason(refusing_project, clients, message):
    result = refusing_project.run("config", "save", "--set", f"LMSAUTH_EXTRA_CLIENTS={clients!r}")
    assert result.returncode != 0
    assert f"Error: {message}" in result.output
