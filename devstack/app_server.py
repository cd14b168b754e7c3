"""Run the bundled app as its container does: `gunicorn -c gunicorn.conf.py identifier.wsgi`.

`AppServer` starts it from the app folder with the app's environment variables (GUNICORN_BIND on
a free loopback port) after `manage.py migrate`; `app_env` gives the variables the plugin sets
on the `lmsauth` service, pointing at a stand-in LMS.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from .paths import APP_DIR
from .process import Server


def gunicorn_command() -> list[str]:
    """The container's command; the gunicorn script that belongs to this interpreter."""
    script = Path(sys.executable).with_name("gunicorn")
    gunicorn = str(script) if script.exists() else shutil.which("gunicorn")
    return [gunicorn, "-c", "gunicorn.conf.py", "identifier.wsgi"]


def base_env() -> dict[str, str]:
    """The test process's environment without anything that configures Django or the app."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LMSAUTH_", "STANDIN_LMS_", "GUNICORN_"))
        and key != "DJANGO_SETTINGS_MODULE"
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def app_env(lms, client, public_url: str, database_url: str, **overrides: str) -> dict[str, str]:
    """The variables the plugin sets on the `lmsauth` service, pointing at the stand-in LMS."""
    env = {
        "LMSAUTH_LMS_URL": lms.url,
        "LMSAUTH_LMS_INTERNAL_URL": lms.url,
        "LMSAUTH_PUBLIC_URL": public_url,
        "LMSAUTH_CLIENT_ID": client.client_id,
        "LMSAUTH_CLIENT_SECRET": client.client_secret,
        "LMSAUTH_PREVIOUS_CLIENT_SECRET": "",
        "LMSAUTH_SCOPES": "user_id profile email",
        "LMSAUTH_JWT_PUBLIC_KEYS": lms.jwks_json,
        "LMSAUTH_JWT_ISSUER": lms.issuer,
        "LMSAUTH_JWT_AUDIENCE": lms.jwt_audience,
        "LMSAUTH_SECRET_KEY": secrets.token_urlsafe(50),
        "LMSAUTH_DATABASE_URL": database_url,
        "LMSAUTH_TRUST_PROXY": "false",
        "LMSAUTH_HTTPS": "false",
        "LMSAUTH_STAFF_FROM_LMS": "true",
        "LMSAUTH_LOG_LEVEL": "INFO",
        "LMSAUTH_DEBUG": "false",
    }
    env.update(overrides)
    return env


def serve_like_the_app(
    name: str, wsgi: str, project: Path, env: dict[str, str], port: int, log_path: Path
) -> Server:
    """Another Django project (its WSGI module `wsgi`, found in `project`) under the app's own
    gunicorn.conf.py and environment: the baseline a benchmark compares the app with."""
    server = Server(
        name,
        gunicorn_command()[:-1] + ["--chdir", str(project), wsgi],
        env={**base_env(), **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        cwd=APP_DIR,
        log_path=log_path,
    )
    try:
        server.wait_until_ready(f"http://127.0.0.1:{port}/")
    except RuntimeError:
        server.stop()
        raise
    return server


class AppServer:
    """The app under gunicorn on 127.0.0.1:`port`; its output (logs) in `log_path`."""

    def __init__(self, workdir: Path, env: dict[str, str], port: int, migrate: bool = True):
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**base_env(), **env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.log_path = workdir / "app.log"
        workdir.mkdir(parents=True, exist_ok=True)
        if migrate:
            self.manage("migrate", "--noinput")
        self.server = Server(
            "app", gunicorn_command(), env=self.env, cwd=APP_DIR, log_path=self.log_path
        )
        try:
            self.server.wait_until_ready(self.url + "/healthz")
        except RuntimeError:
            self.server.stop()
            raise

    @property
    def process(self) -> subprocess.Popen:
        return self.server.process

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=APP_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, code: str) -> str:
        """Run Python in the app's Django (e.g. to age a session); returns what it printed."""
        return self.manage("shell", "-c", code).stdout

    def session_data(self, session_key: str) -> dict:
        code = (
            "import json\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            f"print(json.dumps(dict(SessionStore(session_key={session_key!r}).load())))"
        )
        return json.loads(self.shell(code).strip().splitlines()[-1])

    def update_session(self, session_key: str, code: str) -> None:
        """Run `code` with `session` bound to the stored session, then save it."""
        self.shell(
            "from django.contrib.sessions.backends.db import SessionStore\n"
            f"session = SessionStore(session_key={session_key!r})\n"
            "session.load()\n"
            f"{code}\n"
            "session.save()\n"
        )

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.server.stop(timeout=15)
