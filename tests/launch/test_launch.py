"""`tutor local launch`, rehearsed on podman: the real Tutor commands drive real containers.

Tutor runs `docker`; here that is the shim in tests/launch/bin, which hands the work to podman
and podman-compose. The Open edX, Caddy, MySQL and other images are local stand-ins under the
names Tutor renders (tests/launch/images); the lmsauth image is built by Tutor from the
plugin's own Dockerfile. Tutor's core init tasks for lms, cms and meilisearch need the real
edx-platform: the test plugin tests/launch/tutor-plugins/launch_standins.py replaces them with
the LMS migrations; everything else `launch` does runs unchanged.

The browser reaches Caddy's published port as its HTTP proxy, so every URL is the one Tutor
renders (http://local.openedx.io, http://lmsauth.local.openedx.io) on a high free port.
Run alone with `pytest -m launch`.
"""

import json
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.launch import launch_env, launch_images
from tests.support.browser import CHROMIUM, QUIET_FLAGS
from tests.support.process import free_port

pytestmark = pytest.mark.launch

LMS_HOST = "local.openedx.io"
USER = ("ada", "ada@example.com", "ada-launch-password")
TUTOR = str(Path(sys.executable).parent / "tutor")
LMSAUTH_SECRETS = ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY", "LMSAUTH_MYSQL_PASSWORD")
# Seconds for one tutor command; generous, since the first image build downloads packages.
TIMEOUT = 900


@dataclass
class Platform:
    root: Path
    env: dict[str, str]
    port: int
    project: str
    outputs: list[str]
    launch_output: str = ""

    def tutor(self, *args: str) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run(
            [TUTOR, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        # Progress for whoever watches (`pytest -s`, as `make launch` runs it).
        print(f"launch: tutor {' '.join(args[:4])} ({time.monotonic() - started:.0f} s)")
        self.outputs.append(result.stdout + result.stderr)
        if result.returncode != 0:
            raise AssertionError(
                f"tutor {' '.join(args[:3])} failed ({result.returncode}):\n"
                + (result.stdout + result.stderr)[-4000:]
            )
        return result

    def setting(self, key: str) -> str:
        """A Tutor setting (not kept in `outputs`: the values include secrets)."""
        result = subprocess.run(
            [TUTOR, "config", "printvalue", key],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def containers(self, *, running_only: bool) -> list[str]:
        args = ["podman", "ps", "--format", "{{.Names}}"]
        args += [] if running_only else ["--all"]
        args += ["--filter", f"label=io.podman.compose.project={self.project}"]
        output = subprocess.run(args, env=self.env, check=True, capture_output=True, text=True)
        return output.stdout.split()

    def log_tail(self, service: str) -> str:
        """The end of a service container's log, for failure messages."""
        result = subprocess.run(
            ["podman", "logs", "--tail=15", f"{self.project}_{service}_1"],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return f"--- {service}:\n{result.stdout}{result.stderr}"

    def get(self, url: str) -> tuple[int, str]:
        """GET through Caddy's published port, used as an HTTP proxy like the browser does."""
        proxy = urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{self.port}"})
        opener = urllib.request.build_opener(proxy)
        try:
            with opener.open(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def wait_for(platform: Platform, url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, _ = platform.get(url)
            if status == 200:
                return
            last = status
        except OSError as error:
            last = error
        time.sleep(1)
    raise AssertionError(
        f"{url} not ready after {seconds}s through Caddy (last: {last})\n"
        + "\n".join(platform.log_tail(service) for service in ("caddy", "lmsauth", "lms"))
    )


def remove_project(platform: Platform) -> None:
    """Remove whatever the rehearsal left (after a failure), by compose project label."""
    for _ in range(3):
        names = platform.containers(running_only=False)
        if not names:
            break
        subprocess.run(
            ["podman", "rm", "--force", "--time=1", *names],
            env=platform.env,
            capture_output=True,
        )
    subprocess.run(
        ["podman", "network", "rm", f"{platform.project}_default"],
        env=platform.env,
        capture_output=True,
    )


def configure(tmp_path_factory, *settings: str) -> Platform:
    """A Tutor root with lmsauth enabled, its stand-in images tagged, nothing started yet."""
    missing = launch_env.missing_debian_packages() + launch_env.missing_python_packages()
    if missing:
        pytest.fail(
            f"missing {' '.join(missing)}: run `python -m tests.launch.launch_env setup`",
            pytrace=False,
        )
    launch_images.build_all()
    root = tmp_path_factory.mktemp("tutor-root")
    env = launch_env.environment()
    env.update(
        TUTOR_ROOT=str(root),
        # No plugin from this machine's Tutor folder: lmsauth and the rehearsal's own.
        TUTOR_PLUGINS_ROOT=str(Path(__file__).parent / "tutor-plugins"),
        LMSAUTH_LAUNCH_DOCKER_LOG=str(root / "docker-calls.jsonl"),
    )
    port = free_port()
    # A project of its own, so that nothing else named tutor_local is touched.
    project = f"lmsauth_launch_{secrets.token_hex(3)}"
    platform = Platform(root, env, port, project, [])
    platform.tutor("plugins", "enable", "lmsauth", "launch_standins")
    settings = (
        f"LMS_HOST={LMS_HOST}",
        f"CMS_HOST=studio.{LMS_HOST}",
        "ENABLE_HTTPS=false",
        f"CADDY_HTTP_PORT={port}",
        f"LOCAL_PROJECT_NAME={project}",
        *settings,
    )
    platform.tutor("config", "save", *[arg for item in settings for arg in ("--set", item)])
    built = {platform.tutor("images", "printtag", "lmsauth").stdout.split()[-1]}
    launch_images.tag_for(root, built)
    return platform


def launch(platform: Platform) -> str:
    """`tutor local launch`; then the test user, as `tutor local do createuser` makes one."""
    output = platform.tutor("local", "launch", "--non-interactive").stdout
    # As after a launch on Docker, the servers may still be starting.
    wait_for(platform, f"http://{LMS_HOST}/login")
    wait_for(platform, f"http://lmsauth.{LMS_HOST}/readyz")
    username, email, password = USER
    platform.tutor("local", "do", "createuser", "--password", password, username, email)
    return output


def sign_in(platform: Platform, playwright, app_host: str = f"lmsauth.{LMS_HOST}") -> None:
    """A person signs in to the app in Chromium, through Caddy, and sees their profile."""
    username, email, password = USER
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        # It resolves no name itself: every request goes to the proxy, by address.
        args=[*QUIET_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        proxy={"server": f"http://127.0.0.1:{platform.port}"},
    )
    try:
        page = browser.new_page()
        page.goto(f"http://{app_host}/")
        page.locator("#main").get_by_role("link", name="Sign in").click()
        expect(page).to_have_url(re.compile(re.escape(f"http://{LMS_HOST}/login")))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[name=sign-in]")
        page.wait_for_url(f"http://{app_host}/**")
        page.goto(f"http://{app_host}/profile/")
        expect(page.locator("main")).to_contain_text(username)
        expect(page.locator("main")).to_contain_text(email)
    finally:
        browser.close()


def stop(platform: Platform) -> None:
    """`tutor local stop` stops every container; `dc down` then removes them."""
    platform.tutor("local", "stop")
    assert platform.containers(running_only=True) == []
    platform.tutor("local", "dc", "down", "--remove-orphans")
    assert platform.containers(running_only=False) == []


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """The default setup (SQLite), launched."""
    platform = configure(tmp_path_factory)
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


def test_launch_prints_the_app_url(launched):
    assert f"http://lmsauth.{LMS_HOST}" in launched.launch_output


def test_app_is_ready_through_caddy_and_healthy(launched):
    status, body = launched.get(f"http://lmsauth.{LMS_HOST}/readyz")
    assert status == 200, body
    # The image's HEALTHCHECK, run once by hand (podman schedules it with systemd, absent here).
    health = subprocess.run(
        ["podman", "healthcheck", "run", f"{launched.project}_lmsauth_1"],
        env=launched.env,
        capture_output=True,
        text=True,
    )
    assert health.returncode == 0, health.stdout + health.stderr


def test_sign_in_through_caddy_with_injected_credentials(launched, playwright):
    sign_in(launched, playwright)


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
        for service in ("lms", "lmsauth", "caddy")
    ]
    output = "\n".join(launched.outputs + [log.stdout + log.stderr for log in logs])
    assert "lmsauth-sso" in output  # the logs were read: the sync job names the client
    # Tutor's own MySQL init task inlines the MySQL root password and Tutor prints it: only
    # what lmsauth adds is checked.
    for key in LMSAUTH_SECRETS:
        assert launched.setting(key) not in output, key


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
    platform = configure(tmp_path_factory, "LMSAUTH_DATABASE=mysql")
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
