"""The compose files Tutor renders for `tutor local` and `tutor dev`, checked by docker-compose."""

import pytest

from tests.plugin.conftest import DEFAULT_IMAGE


def test_local_and_dev_file_sets_are_valid(each_project):
    # compose() runs `docker-compose config -q` first, which fails on any invalid file.
    for mode in ("local", "dev"):
        assert "lmsauth" in each_project.compose(mode)["services"]


def test_the_app_service_gets_the_rendered_environment(default):
    service = default.compose("local")["services"]["lmsauth"]
    assert service["image"] == DEFAULT_IMAGE
    # docker-compose merges the env_file into `environment`: the file was found and parsed.
    assert service["environment"] == default.app_env()
    assert "lms" in service["depends_on"]
    assert f"{default.root / 'data' / 'lmsauth'}:/data:z" in service["volumes"]
    assert "ports" not in service  # reached through Caddy only


def test_the_sqlite_folder_is_handed_to_the_app_user(default):
    permissions = default.compose("local")["services"]["permissions"]
    assert f"{default.root / 'data' / 'lmsauth'}:/mounts/lmsauth:z" in permissions["volumes"]
    assert "setowner 1000 /mounts/lmsauth" in default.read("apps", "permissions", "setowners.sh")


def test_mysql_mode_has_no_sqlite_volume_and_waits_for_mysql(mysql):
    services = mysql.compose("local")["services"]
    assert "volumes" not in services["lmsauth"]
    assert "mysql" in services["lmsauth"]["depends_on"]
    assert "mysql" in services["lmsauth-job"]["depends_on"]
    assert not any("/mounts/lmsauth" in volume for volume in services["permissions"]["volumes"])


def test_jobs_read_their_secrets_from_env_files(mysql):
    services = mysql.compose("local")["services"]
    config = mysql.config()
    assert services["lmsauth-job"]["environment"] == mysql.app_env()
    job_env = services["lmsauth-mysql-job"]["environment"]
    assert job_env["LMSAUTH_MYSQL_ROOT_PASSWORD"] == config["MYSQL_ROOT_PASSWORD"]
    assert job_env["LMSAUTH_MYSQL_PASSWORD"] == config["LMSAUTH_MYSQL_PASSWORD"]
    assert services["lmsauth-mysql-job"]["image"] == services["mysql-job"]["image"]


def test_sqlite_mode_gives_the_mysql_job_no_credentials(default):
    assert not default.compose("local")["services"]["lmsauth-mysql-job"].get("environment")


@pytest.mark.parametrize("routing", ["subdomain", "path"])
def test_caddy_alias_only_for_the_subdomain(projects, routing):
    project = projects["default" if routing == "subdomain" else "path"]
    aliases = project.compose("local")["services"]["caddy"]["networks"]["default"]["aliases"]
    assert ("lmsauth.local.openedx.io" in aliases) == (routing == "subdomain")


def test_no_caddy_aliases_with_https(https):
    assert "networks" not in https.compose("local")["services"]["caddy"]


def test_dev_publishes_a_port_and_uses_the_dev_urls(default):
    service = default.compose("dev")["services"]["lmsauth"]
    assert service["ports"] == ["127.0.0.1:8790:8000/tcp"]
    env = service["environment"]
    assert env["LMSAUTH_PUBLIC_URL"] == "http://lmsauth.local.openedx.io:8790"
    assert env["LMSAUTH_LMS_URL"] == "http://local.openedx.io:8000"
    assert env["LMSAUTH_DEBUG"] == "true"
    assert env["LMSAUTH_RUNNER"] == "dev"
    assert env["LMSAUTH_HTTPS"] == "false"
    assert "runserver" in service["command"]
    # The secrets still come from the env file.
    assert env["LMSAUTH_CLIENT_SECRET"] == default.config()["LMSAUTH_CLIENT_SECRET"]


def test_dev_port_is_configurable(https):
    service = https.compose("dev")["services"]["lmsauth"]
    assert service["ports"] == ["127.0.0.1:9123:8000/tcp"]
    # The dev server is plain HTTP on the published port, whatever the production scheme.
    assert service["environment"]["LMSAUTH_PUBLIC_URL"] == "http://lmsauth.courses.example.org:9123"
    assert service["environment"]["LMSAUTH_LMS_URL"] == "http://courses.example.org:8000"
