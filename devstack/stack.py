"""The whole thing on one machine, without Docker: what `make demo` and the end-to-end tests run.

    with running_stack(routing="path") as stack:
        print(stack.app_url, stack.learner.username, stack.learner.password)

1. Tutor renders the plugin into a private TUTOR_ROOT (HTTPS off). The public port is part of
   LMS_HOST (`openedx.localhost:PORT`), so every URL Tutor renders (app URL, redirect URIs, the
   LMS URL, the JWT issuer, the Caddy sites) already carries it, and browsers send
   `*.localhost` to loopback without any set-up.
2. The stand-in LMS starts with Tutor's rendered LMS settings, and so with Tutor's JWT keys.
3. `tutor local do init --limit lmsauth` runs with the fake docker; each job it would have run
   is executed for real: `lms` jobs against the stand-in, `lmsauth` jobs in the app's folder.
4. The app runs under gunicorn with the environment Tutor rendered for the `lmsauth` service;
   only container addresses change (the LMS's internal URL, the SQLite path, the bind address).
5. Declared apps (LMSAUTH_APPS) whose image the stack knows how to run (JupyterHub) run beside
   it with the environment Tutor rendered for their compose service (devstack/declared_apps.py).
6. Caddy serves the rendered Caddyfile; see devstack/caddy.py for the port and upstream
   mapping, the only change made to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import caddy, declared_apps
from .declared_apps import LocalApp
from .paths import APP_DIR, LMS_DIR
from .process import Server, free_port
from .standin import LEARNER, StandinLMS, User, start_standin_lms
from .tutor_project import TutorProject, enabled_project

DEFAULT_LMS_HOST = "openedx.localhost"
ROUTINGS = ("subdomain", "path")
# How the rendered configuration names the servers inside the Docker network.
LMS_UPSTREAM = "lms:8000"
APP_SERVICE = "lmsauth"
APP_UPSTREAM = f"{APP_SERVICE}:8000"
LMS_INTERNAL_URL = "http://" + LMS_UPSTREAM
CONTAINER_SQLITE_URL = "sqlite:////data/lmsauth.sqlite3"


def _interpreter_env(extra: Mapping[str, str], home: Path) -> dict[str, str]:
    """A clean process environment whose `python`/`python3` is this interpreter (as in an image).

    `home` is private: gunicorn keeps a control socket there, which two servers must not share.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", **extra}
    # Last, so that a PATH in `extra` cannot put another `python3` (say, the machine's, without
    # Django) before this one: the jobs' scripts run `./manage.py` through /usr/bin/env.
    path = extra.get("PATH", os.environ.get("PATH", ""))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"
    return env


@dataclass
class Stack:
    """A running set-up; build it with `start()` or `running_stack()`, end it with `stop()`."""

    routing: str
    workdir: Path
    tutor: TutorProject
    port: int
    lms_host: str
    lms: StandinLMS
    learner: User
    app_port: int
    app_env: dict[str, str] = field(repr=False)
    app: Server | None = field(default=None, repr=False)
    # Declared apps run here, by name.
    apps: dict[str, LocalApp] = field(default_factory=dict, repr=False)
    caddy: Server | None = field(default=None, repr=False)
    _owns_workdir: bool = field(default=False, repr=False)

    # --- where things are -----------------------------------------------------------------------
    @property
    def lms_url(self) -> str:
        """The LMS as browsers see it (through Caddy)."""
        return f"http://{self.lms_host}:{self.port}"

    @property
    def app_url(self) -> str:
        """The app's public URL, exactly as Tutor rendered it (LMSAUTH_PUBLIC_URL)."""
        return self.app_env["LMSAUTH_PUBLIC_URL"].rstrip("/")

    @property
    def hosts(self) -> list[str]:
        """The host names a browser must send to 127.0.0.1."""
        app_host = self.app_url.split("://", 1)[1].split("/", 1)[0].split(":")[0]
        return sorted({self.lms_host, app_host})

    @property
    def app_database(self) -> Path:
        return self.workdir / "app-data" / "lmsauth.sqlite3"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    def url(self, path: str = "/") -> str:
        """An app page by its path relative to the app (e.g. `/profile/`)."""
        return self.app_url + path

    # --- what a test or benchmark may change ----------------------------------------------------
    def save_config(self, settings: Mapping[str, Any]) -> None:
        """`tutor config save --set ...` in this stack's root (re-renders the environment)."""
        self.tutor.save(settings)

    def provision(self) -> list[tuple[str, str]]:
        """Run the init tasks Tutor would run for lmsauth, for real; returns (service, output)."""
        return self.run_tutor_jobs("local", "do", "init", "--limit", "lmsauth")

    def run_tutor_jobs(self, *args: str) -> list[tuple[str, str]]:
        """Run `tutor ARGS` (e.g. `local do lmsauth-sync`) and, for real, every job it starts."""
        jobs = self.tutor.captured_scripts(list(args))
        if not jobs:
            raise RuntimeError(f"`tutor {' '.join(args)}` ran no job")
        return [(service, self.run_job(service, script)) for service, script in jobs]

    def live_jobs(self) -> dict[str, str]:
        """Environment for a `tutor` command of this stack whose LMS jobs run at once against
        the stand-in LMS (see StandinLMS.live_jobs). A job that calls the app by its container
        address (`http://lmsauth:8000/...`) reaches it through the app's loopback port, given
        to the job as its HTTP proxy: gunicorn serves a proxy-style request like any other."""
        return self.lms.live_jobs(self.tutor, {"http_proxy": f"http://127.0.0.1:{self.app_port}"})

    def rendered_app_env(self) -> dict[str, str]:
        """The environment Tutor renders now for the `lmsauth` service, mapped to loopback."""
        rendered = self.tutor.app_env()
        if rendered.get("LMSAUTH_DATABASE_URL") != CONTAINER_SQLITE_URL:
            raise RuntimeError("The stack runs the app on SQLite only (LMSAUTH_DATABASE=sqlite)")
        mapped = {
            key: value.replace(LMS_INTERNAL_URL, self.lms.url) for key, value in rendered.items()
        }
        mapped["LMSAUTH_DATABASE_URL"] = f"sqlite:///{self.app_database}"
        mapped["GUNICORN_BIND"] = f"127.0.0.1:{self.app_port}"
        return mapped

    def restart_app(self, env: Mapping[str, str] | None = None) -> None:
        """Stop the app and start it again, like `docker compose up -d` after a config change.

        Without `env`, it runs with what Tutor renders now; `env` entries override that.
        """
        self.app_env = {**self.rendered_app_env(), **(env or {})}
        if self.app is not None:
            self.app.stop()
        self.app = Server(
            "app",
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "identifier.wsgi"],
            env=_interpreter_env(self.app_env, self.workdir / "app-home"),
            cwd=APP_DIR,
            log_path=self.logs / "app.log",
        )
        self.app.wait_until_ready(f"http://127.0.0.1:{self.app_port}/readyz")

    @property
    def services(self) -> list[str]:
        """The compose services that run here as processes: the bundled app, declared apps."""
        return [APP_SERVICE, *self.apps]

    def restart(self, service: str) -> None:
        """`docker compose up -d SERVICE` after a config change: the bundled app or a declared
        one, on what Tutor renders now."""
        if service == APP_SERVICE:
            self.restart_app()
        else:
            self.restart_declared_app(service)

    def stop_service(self, service: str) -> None:
        """`docker compose stop SERVICE`: the bundled app or a declared one stops serving."""
        if service == APP_SERVICE:
            self.app.stop()
        else:
            self.apps[service].stop()

    def restart_declared_app(self, name: str) -> None:
        """Stop a declared app and start it again on the environment Tutor renders now."""
        app = self.apps[name]
        service = self.tutor.compose("local")["services"][name]
        env = declared_apps.mapped_environment(service, self.lms.url)
        process_env = _interpreter_env(env, app.folder / "home")
        app.start(env, process_env, self.logs / f"{name}.log")

    def stop(self) -> None:
        """Stop every server (Caddy first, so nothing reaches a stopping upstream)."""
        for server in (self.caddy, self.app):
            if server is not None:
                server.stop()
        for app in self.apps.values():
            app.stop()
        self.lms.stop()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def run_job(self, service: str, script: str) -> str:
        """Run a job's script as its container would: `lms` jobs against the stand-in LMS,
        `lmsauth` jobs in the app's folder with its environment; returns its output."""
        service = service.removesuffix("-job")
        if service == "lms":
            cwd, env = LMS_DIR, self.lms.env
        elif service == "lmsauth":
            cwd, env = APP_DIR, self.rendered_app_env()
        else:
            cwd, env = self.workdir, {}
        result = subprocess.run(
            ["sh", "-e", "-c", script],
            cwd=cwd,
            env=_interpreter_env(env, self.workdir / f"{service}-home"),
            capture_output=True,
            text=True,
            check=False,
        )
        output = result.stdout + result.stderr
        with open(self.logs / "provision.log", "a", encoding="utf-8") as log:
            log.write(f"--- {service} job (exit {result.returncode})\n{output}\n")
        if result.returncode != 0:
            raise RuntimeError(f"The {service} init job failed:\n{output[-3000:]}")
        return output

    # --- internals ------------------------------------------------------------------------------
    def _start_caddy(self) -> None:
        state = self.workdir / "caddy"
        state.mkdir(exist_ok=True)
        upstreams = {
            LMS_UPSTREAM: self.lms.url.split("://")[1],
            APP_UPSTREAM: f"127.0.0.1:{self.app_port}",
            **{app.upstream: app.loopback_url.split("://")[1] for app in self.apps.values()},
        }
        adapted = caddy.adapt(self.tutor.caddyfile, state)
        mapped = caddy.map_to_loopback(adapted, self.port, upstreams, state)
        config = caddy.write_config(mapped, state / "caddy.json")
        self.caddy = Server(
            "caddy",
            caddy.run_command(config),
            env=caddy.caddy_environment(state),
            cwd=state,
            log_path=self.logs / "caddy.log",
        )
        self.caddy.wait_until_ready(f"http://127.0.0.1:{self.port}/")


def tutor_settings(routing: str, lms_host: str, port: int) -> dict[str, Any]:
    """The Tutor configuration of a stack: HTTPS off, public port in the host names."""
    return {
        "LMS_HOST": f"{lms_host}:{port}",
        "ENABLE_HTTPS": False,
        "LMSAUTH_ROUTING": routing,
        # `tutor dev`'s URL is derived from LMSAUTH_HOST, which carries the Caddy port here.
        "LMSAUTH_DEV_URL": f"http://lmsauth.{lms_host}:8790",
    }


def start(
    routing: str = "subdomain",
    *,
    workdir: Path | None = None,
    lms_host: str = DEFAULT_LMS_HOST,
    port: int | None = None,
    config: Mapping[str, Any] | None = None,
) -> Stack:
    """Render, provision and start everything; `config` holds extra Tutor settings.

    `workdir` keeps the Tutor root, databases and logs (a temporary folder, removed by `stop()`,
    if not given). `port` is Caddy's public port (a free one if not given).
    """
    if routing not in ROUTINGS:
        raise ValueError(f"routing must be one of {ROUTINGS}, not {routing!r}")
    owns_workdir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="lmsauth-stack-")) if workdir is None else workdir
    try:
        return _start(routing, workdir, owns_workdir, lms_host, port, config)
    except BaseException:
        if owns_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise


def _start(
    routing: str,
    workdir: Path,
    owns_workdir: bool,
    lms_host: str,
    port: int | None,
    config: Mapping[str, Any] | None,
) -> Stack:
    (workdir / "logs").mkdir(parents=True, exist_ok=True)
    (workdir / "app-data").mkdir(exist_ok=True)
    port = port or free_port()

    lms_runtime_dir = workdir / "lms-run"
    lms_runtime_dir.mkdir(exist_ok=True)
    tutor = enabled_project(
        workdir / "tutor", {**tutor_settings(routing, lms_host, port), **(config or {})}
    )

    lms = start_standin_lms(
        workdir / "lms",
        public_url=f"http://{lms_host}:{port}",
        tutor_settings=tutor.lms_settings(),
        # Where its gunicorn puts its control socket (by default, one per user).
        extra_env={"XDG_RUNTIME_DIR": str(lms_runtime_dir)},
    )
    stack = Stack(
        routing=routing,
        workdir=workdir,
        tutor=tutor,
        port=port,
        lms_host=lms_host,
        lms=lms,
        learner=LEARNER,
        app_port=free_port(),
        app_env={},
        _owns_workdir=owns_workdir,
    )
    try:
        stack.provision()
        stack.restart_app()
        for name, recipe in declared_apps.runnable(tutor.compose("local")["services"]).items():
            folder = workdir / "apps" / name
            stack.apps[name] = LocalApp(name, recipe, free_port(), folder)
            stack.restart_declared_app(name)
        stack._start_caddy()
    except BaseException:
        stack._owns_workdir = False  # start() removes it
        stack.stop()
        raise
    return stack


@contextlib.contextmanager
def running_stack(routing: str = "subdomain", **options: Any) -> Iterator[Stack]:
    stack = start(routing, **options)
    try:
        yield stack
    finally:
        stack.stop()
