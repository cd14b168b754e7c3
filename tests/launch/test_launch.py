"""`tutor local launch`, rehearsed on podman: the real Tutor commands drive real containers.

Tutor runs `docker`; here that is the shim in devstack/launch/bin, which hands the work to
podman and podman-compose. The Open edX, Caddy, MySQL and other images are local stand-ins
under the names Tutor renders (devstack/launch/images); the lmsauth image is built by Tutor
from the plugin's own Dockerfile. Tutor's core init tasks for lms, cms and meilisearch need the
real edx-platform: the rehearsal's plugin devstack/launch/tutor-plugins/launch_standins.py
replaces them with the LMS migrations; everything else `launch` does runs unchanged.

The default launch also runs a declared app nobody here wrote: JupyterHub, built from
examples/jupyterhub and declared in LMSAUTH_APPS as README's "Your own apps" shows.

The browser reaches Caddy's published port as its HTTP proxy, so every URL is the one Tutor
renders (http://local.openedx.io, http://lmsauth.local.openedx.io) on a high free port.
Run alone with `pytest -m launch`.
"""

import contextlib
import json
import subprocess
from collections.abc import Iterator

import pytest
import yaml
from playwright.sync_api import Page, expect

from devstack import chromium
from devstack.launch.rehearsal import (
    HUB,
    HUB_URL,
    LMS_HOST,
    USER,
    Platform,
    configure,
    launch,
    remove_project,
    stop,
    wait_for,
)
from devstack.standin import User
from tests.e2e import flows

pytestmark = pytest.mark.launch

LMSAUTH_SECRETS = ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY", "LMSAUTH_MYSQL_PASSWORD")
# What the hub is given that nobody may see.
HUB_SECRETS = ("OAUTH_CLIENT_SECRET", "JPY_COOKIE_SECRET")


@contextlib.contextmanager
def browser_page(platform: Platform, playwright) -> Iterator[Page]:
    """A page of a fresh Chromium whose every request goes through Caddy's published port."""
    expect.set_options(timeout=flows.TIMEOUT_MS)
    browser = chromium.launch(playwright, proxy=f"http://127.0.0.1:{platform.port}")
    try:
        yield browser.new_page()
    finally:
        browser.close()


def sign_in(platform: Platform, playwright, app_host: str = f"lmsauth.{LMS_HOST}") -> None:
    """A person signs in to the app in Chromium, through Caddy, and sees their profile."""
    user = User(*USER)
    site = flows.Site(lms_url=f"http://{LMS_HOST}", app_url=f"http://{app_host}")
    with browser_page(platform, playwright) as page:
        flows.sign_in(page, site, user)
        page.goto(site.url("/profile/"))
        expect(page.locator("main")).to_contain_text(user.username)
        expect(page.locator("main")).to_contain_text(user.email)


def hub_environment(platform: Platform) -> dict[str, str]:
    """The environment Tutor rendered for the hub's compose service."""
    compose = yaml.safe_load((platform.root / "env/local/docker-compose.yml").read_text())
    return {key: str(value) for key, value in compose["services"][HUB]["environment"].items()}


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """The default setup (SQLite) with JupyterHub declared beside the bundled app, launched."""
    platform = configure(tmp_path_factory.mktemp("tutor-root"), hub=True)
    try:
        platform.launch_output = launch(platform)
        yield platform
    finally:
        remove_project(platform)


def test_tutor_builds_the_image_locally_without_secrets(launched):
    calls = [
        json.loads(line) for line in (launched.root / "docker-calls.jsonl").read_text().splitlines()
    ]
    builds = [call for call in calls if call[:2] == ["buildx", "build"]]
    tag = launched.tutor("images", "printtag", "lmsauth").stdout.split()[-1]
    assert [f"--tag={tag}"] == [arg for arg in builds[0] if arg.startswith("--tag=")]
    assert not [call for call in calls if call[:1] in (["push"], ["pull"])]
    history = subprocess.run(
        ["podman", "image", "inspect", tag],
        env=launched.env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for key in ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY"):
        assert launched.setting(key) not in history


def test_launch_prints_the_app_urls(launched):
    assert f"http://lmsauth.{LMS_HOST}" in launched.launch_output
    assert launched.hub_url.rstrip("/") in launched.launch_output


def test_one_lms_job_registers_the_app_and_the_hub(launched):
    lines = launched.launch_output.splitlines()
    created = [
        index
        for index, line in enumerate(lines)
        if line.startswith(
            ("lmsauth-sync: lmsauth-sso: created", f"lmsauth-sync: {HUB}-sso: created")
        )
    ]
    assert len(created) == 2, launched.launch_output[-3000:]
    # Nothing but that job's own lines between the two: no second job, no second LMS boot.
    between = lines[created[0] : created[1] + 1]
    assert all(line.startswith("lmsauth-sync: ") for line in between), between


@pytest.mark.parametrize(
    ("service", "ready_url"),
    [("lmsauth", f"http://lmsauth.{LMS_HOST}/readyz"), (HUB, f"{HUB_URL}hub/health")],
)
def test_apps_are_ready_through_caddy_and_healthy(launched, service, ready_url):
    status, body = launched.get(ready_url)
    assert status == 200, body
    # The image's HEALTHCHECK, run once by hand (podman schedules it with systemd, absent here).
    health = subprocess.run(
        ["podman", "healthcheck", "run", f"{launched.project}_{service}_1"],
        env=launched.env,
        capture_output=True,
        text=True,
    )
    assert health.returncode == 0, health.stdout + health.stderr


def test_sign_in_through_caddy_with_injected_credentials(launched, playwright):
    sign_in(launched, playwright)


def test_a_learner_signs_in_to_the_declared_hub_through_caddy(launched, playwright):
    """The hub built from examples/jupyterhub sends the learner to the LMS and back: its home
    page names them."""
    site = flows.Site(lms_url=f"http://{LMS_HOST}", app_url=launched.hub_url)
    with browser_page(launched, playwright) as page:
        flows.sign_in_to_hub(page, site, launched.hub_url, User(*USER))
        flows.screenshot(page, "launch-jupyterhub-home")


def test_sync_applies_a_changed_redirect_uri(launched, playwright):
    """An operator moves the app to another host: sync, start, and sign-in works there."""
    secret = launched.setting("LMSAUTH_CLIENT_SECRET")
    new_host = f"signin.{LMS_HOST}"
    launched.tutor("config", "save", "--set", f"LMSAUTH_HOST={new_host}")
    result = launched.tutor("local", "do", "lmsauth-sync")
    assert "lmsauth-sso: updated redirect_uris" in result.stdout
    again = launched.tutor("local", "do", "lmsauth-sync")
    assert "lmsauth-sso: unchanged" in again.stdout
    assert secret not in result.stdout + result.stderr + again.stdout + again.stderr
    # Recreates the app (new environment) and Caddy (new site and alias), as on Docker.
    launched.tutor("local", "start", "--detach")
    wait_for(launched, f"http://{new_host}/readyz")
    sign_in(launched, playwright, new_host)


def test_no_secret_in_any_command_output_or_container_log(launched):
    logs = [
        subprocess.run(
            ["podman", "logs", f"{launched.project}_{service}_1"],
            env=launched.env,
            capture_output=True,
            text=True,
            check=True,
        )
        for service in ("lms", "lmsauth", "caddy", HUB)
    ]
    output = "\n".join(launched.outputs + [log.stdout + log.stderr for log in logs])
    assert "lmsauth-sso" in output  # the logs were read: the sync job names the client
    # Tutor's own MySQL init task inlines the MySQL root password and Tutor prints it: only
    # what lmsauth adds is checked.
    for key in LMSAUTH_SECRETS:
        assert launched.setting(key) not in output, key
    hub = hub_environment(launched)
    for key in HUB_SECRETS:
        assert len(hub[key]) >= 32, key
        assert hub[key] not in output, key


def test_stop_leaves_nothing_running(launched):
    assert len(launched.containers(running_only=True)) >= 4
    stop(launched)


def mysql_query(platform: Platform, sql: str) -> str:
    """Run SQL in the MySQL container as root; the password goes through stdin, not argv."""
    client = "[client]\nhost=127.0.0.1\nuser={}\npassword={}\n".format(
        platform.setting("MYSQL_ROOT_USERNAME"), platform.setting("MYSQL_ROOT_PASSWORD")
    )
    client_file = "/tmp/client.cnf"
    script = f'cat > {client_file} && exec mariadb --defaults-extra-file={client_file} -N -e "$1"'
    result = subprocess.run(
        ["podman", "exec", "-i", f"{platform.project}_mysql_1", "sh", "-c", script, "sh", sql],
        env=platform.env,
        input=client,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_mysql_mode_with_several_workers(tmp_path_factory, playwright):
    """MySQL (MariaDB here) instead of SQLite; the app runs its default of 2 gunicorn workers."""
    platform = configure(tmp_path_factory.mktemp("tutor-root"), "LMSAUTH_DATABASE=mysql")
    try:
        # Tutor's own MySQL init (databases, users) runs first: the real script, on MariaDB.
        launch(platform)
        status, body = platform.get(f"http://lmsauth.{LMS_HOST}/readyz")
        assert status == 200, body
        sign_in(platform, playwright)
        database = platform.setting("LMSAUTH_MYSQL_DATABASE")
        assert USER[0] in mysql_query(platform, f"SELECT username FROM {database}.auth_user")
        for key in LMSAUTH_SECRETS:
            assert platform.setting(key) not in "\n".join(platform.outputs), key
        stop(platform)
    finally:
        remove_project(platform)
