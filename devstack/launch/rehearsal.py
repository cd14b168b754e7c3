"""A platform of the launch rehearsal: a Tutor root on the docker shim, launched, removed.

Shared by the launch tests and the benchmarks that run on the rehearsal (bench/rotation.py).
"""

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..declared_apps import JUPYTERHUB_IMAGE, jupyterhub_declaration
from ..process import free_port
from ..tutor_project import LMS_HOST, TUTOR
from . import host, standin_images

USER = ("ada", "ada@example.com", "ada-launch-password")
# The JupyterHub declared beside the bundled app (when asked for), on a host of its own.
HUB = "notebooks"
HUB_URL = f"http://notebooks.{LMS_HOST}/"
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
    # The declared JupyterHub's URL (ending with "/"), when it is declared.
    hub_url: str | None = None

    def tutor(self, *args: str) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run(
            [*TUTOR, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        # Progress for whoever watches (`pytest -s`, as `make launch` runs it); a setting's
        # value is left out, since it may be a secret.
        shown = " ".join(arg.split("=", 1)[0] for arg in args[:4])
        print(f"launch: tutor {shown} ({time.monotonic() - started:.0f} s)")
        self.outputs.append(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(
                f"tutor {' '.join(args[:3])} failed ({result.returncode}):\n"
                + (result.stdout + result.stderr)[-4000:]
            )
        return result

    def setting(self, key: str) -> str:
        """A Tutor setting (not kept in `outputs`: the values include secrets)."""
        result = subprocess.run(
            [*TUTOR, "config", "printvalue", key],
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
    raise RuntimeError(
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


def configure(root: Path, *settings: str, hub: bool = False) -> Platform:
    """A Tutor root in `root` with lmsauth enabled, its stand-in images tagged, nothing started.

    With `hub`, JupyterHub (examples/jupyterhub, built here) is declared in LMSAUTH_APPS as
    README's "Your own apps" shows, on a host of its own.
    """
    missing = host.missing_debian_packages() + host.missing_python_packages()
    if missing:
        raise RuntimeError(
            f"missing {' '.join(missing)}: run `python -m devstack.launch.host setup`"
        )
    standin_images.build_all(hub=hub)
    if hub:
        standin_images.podman("tag", standin_images.HUB, JUPYTERHUB_IMAGE)
        apps = {HUB: jupyterhub_declaration("subdomain")}
        settings = (*settings, f"LMSAUTH_APPS={json.dumps(apps)}")
    env = host.environment()
    env.update(
        TUTOR_ROOT=str(root),
        # No plugin from this machine's Tutor folder: lmsauth and the rehearsal's own.
        TUTOR_PLUGINS_ROOT=str(Path(__file__).parent / "tutor-plugins"),
        LMSAUTH_LAUNCH_DOCKER_LOG=str(root / "docker-calls.jsonl"),
    )
    port = free_port()
    # A project of its own, so that nothing else named tutor_local is touched.
    project = f"lmsauth_launch_{secrets.token_hex(3)}"
    platform = Platform(root, env, port, project, [], hub_url=HUB_URL if hub else None)
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
    if hub:
        built.add(JUPYTERHUB_IMAGE)
    standin_images.tag_for(root, built)
    return platform


def launch(platform: Platform) -> str:
    """`tutor local launch`; then the test user, as `tutor local do createuser` makes one."""
    output = platform.tutor("local", "launch", "--non-interactive").stdout
    # As after a launch on Docker, the servers may still be starting.
    wait_for(platform, f"http://{LMS_HOST}/login")
    wait_for(platform, f"http://lmsauth.{LMS_HOST}/readyz")
    if platform.hub_url:
        wait_for(platform, f"{platform.hub_url}hub/health")
    username, email, password = USER
    platform.tutor("local", "do", "createuser", "--password", password, username, email)
    return output


def stop(platform: Platform) -> None:
    """`tutor local stop` stops every container; `dc down` then removes them."""
    platform.tutor("local", "stop")
    assert platform.containers(running_only=True) == []
    platform.tutor("local", "dc", "down", "--remove-orphans")
    assert platform.containers(running_only=False) == []
