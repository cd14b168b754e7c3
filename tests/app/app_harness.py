"""Run the bundled app as its container does, and drive it like a browser.

`AppServer` starts `gunicorn -c gunicorn.conf.py identifier.wsgi` from the app folder with the
app's environment variables (GUNICORN_BIND on a free loopback port) after `manage.py migrate`.
`Browser` is a requests.Session that follows the LMS's login and consent forms by hand, so a test
can stop at any step (e.g. keep the callback URL to replay it).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.support.process import Server

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "app"


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


@dataclass
class Form:
    id: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.iframes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                Form(attrs.get("id", ""), attrs.get("action", ""), attrs.get("method", "get"))
            )
        elif tag == "iframe":
            self.iframes.append(attrs.get("src", ""))
        elif self.forms and tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("submit", "button"):
                self.forms[-1].fields[attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1].buttons[attrs["name"]] = attrs.get("value", "")


def parse_page(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class Browser:
    """A cookie-keeping HTTP client that walks the sign-in as a person's browser would."""

    def __init__(self, user):
        self.user = user
        self.http = requests.Session()
        self.pages: list[requests.Response] = []
        self.consent_page: requests.Response | None = None

    def get(self, url: str, **kwargs) -> requests.Response:
        response = self.http.get(url, allow_redirects=False, timeout=30, **kwargs)
        self.pages.append(response)
        return response

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        response = self.http.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)
        self.pages.append(response)
        return response

    def follow(self, response: requests.Response, stop_at: str = "") -> requests.Response:
        """Follow redirects until a page, or until the next URL starts with `stop_at`."""
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if stop_at and target.startswith(stop_at):
                return response
            response = self.get(target)
        return response

    def start(self, app_url: str, next_url: str | None = None) -> requests.Response:
        """Click "Sign in": the app's redirect to the LMS authorize endpoint."""
        params = {"next": next_url} if next_url is not None else None
        return self.get(app_url + "/auth/login/", params=params)

    def authorize(self, app_url: str, next_url: str | None = None, consent: str = "allow") -> str:
        """Sign in at the LMS and answer consent; return the callback URL the LMS sends back."""
        response = self.start(app_url, next_url)
        assert response.status_code == 302, response.text
        response = self.follow(response, stop_at=app_url)
        if "form" in response.text and 'id="login"' in response.text:
            form = parse_page(response.text).forms[0]
            data = {**form.fields, "username": self.user.username, "password": self.user.password}
            response = self.follow(self.post(urljoin(response.url, form.action), data), app_url)
        if response.status_code == 200:
            forms = [f for f in parse_page(response.text).forms if f.id == "authorizationForm"]
            assert forms, f"expected the consent form, got:\n{response.text[:2000]}"
            self.consent_page = response
            data = {**forms[0].fields, consent: forms[0].buttons[consent]}
            response = self.post(urljoin(response.url, forms[0].action), data)
            response = self.follow(response, stop_at=app_url)
        assert response.is_redirect, f"LMS did not redirect back:\n{response.text[:2000]}"
        return urljoin(response.url, response.headers["Location"])

    def sign_in(self, app_url: str, next_url: str | None = None, consent: str = "allow"):
        """The whole sign-in; returns the app's page the browser lands on."""
        return self.follow(self.get(self.authorize(app_url, next_url, consent)))

    def csrf_token(self) -> str:
        return self.http.cookies.get("lmsauth_csrftoken", "")

    def app_session_key(self) -> str:
        return self.http.cookies.get("lmsauth_sessionid", "")


class BrokenLMS:
    """A loopback server standing in for an LMS that misbehaves on the back channel.

    Modes: "hang" (accepts, never answers), "error" (503 HTML page), "busy" (429 HTML page).
    """

    PAGES = {
        "error": b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
        b"Content-Length: 22\r\nConnection: close\r\n\r\n<h1>Maintenance</h1>\r\n",
        "busy": b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/html\r\n"
        b"Content-Length: 15\r\nConnection: close\r\n\r\n<h1>Slow down\r\n",
    }

    def __init__(self, mode: str = "hang"):
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "hang":
                self.held.append(connection)
                continue
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    connection.sendall(self.PAGES[self.mode])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in the thread
        self.listener.close()
        for connection in self.held:
            connection.close()
