"""Enable, save, refuse a bad configuration, disable: what an operator does with the plugin."""

import subprocess

import pytest
import yaml

from devstack.tutor_project import TutorFailed, TutorProject
from tests.plugin.conftest import new_project

UNIQUE_KEYS = (
    "LMSAUTH_CLIENT_SECRET",
    "LMSAUTH_SECRET_KEY",
    "LMSAUTH_MYSQL_PASSWORD",
    "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY",
)


def _mentions(folder):
    result = subprocess.run(
        ["grep", "-ril", "lmsauth", str(folder)], capture_output=True, text=True
    )
    return result.stdout.split()


def test_enable_save_and_disable(tmp_path_factory):
    project = TutorProject(tmp_path_factory.mktemp("tutor-root"))
    assert "Plugin lmsauth enabled" in project.tutor("plugins", "enable", "lmsauth")
    project.save({"LMSAUTH_ROUTING": "path", "LMSAUTH_SCOPES": ["user_id", "email"]})
    first = project.config()
    assert first["LMSAUTH_ROUTING"] == "path"
    assert project.app_env()["LMSAUTH_SCOPES"] == "user_id email"
    # A space-separated string works as well as a YAML list.
    project.save({"LMSAUTH_SCOPES": "user_id profile"})
    assert project.app_env()["LMSAUTH_SCOPES"] == "user_id profile"
    # The generated secrets are kept in config.yml: saving again changes none of them.
    project.save()
    second = project.config()
    assert {key: second[key] for key in UNIQUE_KEYS} == {key: first[key] for key in UNIQUE_KEYS}
    assert project.app_env()["LMSAUTH_CLIENT_SECRET"] == first["LMSAUTH_CLIENT_SECRET"]
    assert _mentions(project.env_dir / "apps")  # routes and LMS settings are there

    project.tutor("plugins", "disable", "lmsauth")
    assert "lmsauth" not in project.config()["PLUGINS"]
    # Every route, service, job, manifest and LMS setting is gone, and the rendered secrets too.
    assert _mentions(project.env_dir) == []
    assert not (project.env_dir / "plugins" / "lmsauth").exists()
    assert "Failed to enable plugin" not in project.output


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"LMSAUTH_REPLICAS": 2}, "LMSAUTH_REPLICAS=2 needs a database the replicas can share"),
        ({"LMSAUTH_REPLICAS": 0}, "LMSAUTH_REPLICAS=0 must be a whole number of at least 1"),
        ({"LMSAUTH_ROUTING": "port"}, "LMSAUTH_ROUTING='port' is not supported"),
        (
            {"LMSAUTH_ROUTING": "path", "LMSAUTH_PATH_PREFIX": "lmsauth/"},
            "LMSAUTH_PATH_PREFIX='lmsauth/' must start with '/'",
        ),
        ({"LMSAUTH_DATABASE": "postgresql"}, "LMSAUTH_DATABASE='postgresql' is not supported"),
        ({"LMSAUTH_DEV_PORT": "http"}, "LMSAUTH_DEV_PORT='http' must be a TCP port number"),
        ({"LMSAUTH_EXTRA_CLIENTS": ["reports"]}, "LMSAUTH_EXTRA_CLIENTS must be a map"),
    ],
)
def test_a_broken_configuration_is_refused_with_its_fix(tmp_path_factory, settings, message):
    project = TutorProject(
        tmp_path_factory.mktemp("tutor-root"), {"PLUGINS": ["lmsauth"], **settings}
    )
    with pytest.raises(TutorFailed) as failure:
        project.save()
    assert message in failure.value.output
    # Nothing was rendered for the app.
    assert not (project.env_dir / "plugins" / "lmsauth").exists()


def test_the_replicas_message_says_how_to_fix_it(tmp_path_factory):
    project = TutorProject(tmp_path_factory.mktemp("tutor-root"), {"PLUGINS": ["lmsauth"]})
    project.save()
    before = project.config_file.read_bytes()
    with pytest.raises(TutorFailed) as failure:
        project.save({"LMSAUTH_REPLICAS": 3})
    assert "tutor config save --set LMSAUTH_DATABASE=mysql" in failure.value.output
    # The refused value was not kept: the project works as before.
    assert "Nothing was saved: config.yml is as it was." in failure.value.output
    assert project.config_file.read_bytes() == before
    assert "1" in project.tutor("config", "printvalue", "LMSAUTH_REPLICAS").splitlines()
    # The operator fixes it as told.
    project.save({"LMSAUTH_DATABASE": "mysql", "LMSAUTH_REPLICAS": 3})
    assert yaml.safe_load(project.read("plugins", "lmsauth", "k8s", "secret.yml").split("---")[1])


def test_an_extra_client_gets_a_stable_secret_of_its_own(extra, tmp_path_factory):
    config = extra.config()
    assert "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY" in config
    settings = extra.read("apps", "openedx", "settings", "lms", "production.py")
    clients = {}
    namespace: dict = {}
    block = settings.split("# BEGIN lmsauth", 1)[1].split("# END lmsauth", 1)[0]
    exec(block.split("LOGIN_REDIRECT_WHITELIST")[0], namespace)  # the clients literal only
    for client in namespace["LMSAUTH_OAUTH_CLIENTS"]:
        clients[client["name"]] = client
    secrets = {name: client["client_secret"] for name, client in clients.items()}
    assert set(secrets) == {"lmsauth-sso", "reports", "exporter"}
    assert len(set(secrets.values())) == 3
    assert all(len(secret) >= 32 for secret in secrets.values())
    assert clients["reports"]["redirect_uris"] == ["https://reports.example.org/oauth/complete/"]
    # Saving again, or adding another client, leaves the existing secrets as they were.
    more = dict(config["LMSAUTH_EXTRA_CLIENTS"], backup={"grant_type": "client-credentials"})
    extra_again = new_project(
        tmp_path_factory,
        {
            "LMSAUTH_EXTRA_CLIENTS": more,
            "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY": config["LMSAUTH_EXTRA_CLIENTS_MASTER_KEY"],
        },
    )
    settings = extra_again.read("apps", "openedx", "settings", "lms", "production.py")
    for name in ("reports", "exporter"):
        assert repr(secrets[name]) in settings
