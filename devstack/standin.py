"""Run the stand-in LMS (devstack/lms) as a real HTTP server for tests, benchmarks and demos.

    with running_standin_lms(tmp_path) as lms:
        client = lms.register_client("my-app", ["http://127.0.0.1:8001/auth/callback/"])
        requests.get(lms.url + "/login")

Each instance gets its own copy of a database migrated once per test session, its own RSA key
and log files, and a gunicorn server on a free loopback port.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

from .paths import LMS_DIR
from .process import Server, free_port
from .signin import Browser, query

SERVICE_USERNAME = "lms-service"


def _standin_module(name: str):
    """A module of the stand-in's `standin` package that needs no Django, loaded on its own:
    the stand-in's packages stay off sys.path."""
    path = LMS_DIR / "standin" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"standin_lms_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


keys = _standin_module("keys")
tutor_settings = _standin_module("tutor_settings")


@dataclass(frozen=True)
class User:
    username: str
    email: str
    password: str


@dataclass(frozen=True)
class Client:
    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


LEARNER = User("learner", "learner@example.com", "learner-password")
STAFF = User("staff", "staff@example.com", "staff-password")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_params(response: requests.Response) -> dict[str, str]:
    """The query parameters of a redirect's Location (code, state, error...)."""
    return query(response.headers["Location"])


def lmsauth_settings(path: Path, *lines: str, outside: str = "") -> Path:
    """Write an LMS settings file as Tutor renders one, with `lines` in the lmsauth block (the
    only part the stand-in runs) and `outside` before it; returns `path`."""
    block = "".join(f"{line}\n" for line in lines)
    path.write_text(f"{outside}# BEGIN lmsauth\n{block}# END lmsauth\n", encoding="utf-8")
    return path


def _base_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANDIN_LMS_")}
    # Another test suite in this process may point Django at its own project.
    env["DJANGO_SETTINGS_MODULE"] = "standin.settings"
    env["PYTHONUNBUFFERED"] = "1"
    # `./manage.py` (a python3 script) runs with this interpreter, which has Django and the
    # toolkit, whatever python3 comes first on the caller's PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env.update(extra)
    return env


def run_job(env: dict[str, str], script: str, settings: Path, *, trace: bool = False):
    """`sh -e -c SCRIPT` as the LMS job container runs it: in the stand-in's folder, where
    `./manage.py lms ...` is, with the LMS settings file Tutor rendered (`trace`: `sh -x`)."""
    return subprocess.run(
        ["sh", *(["-x"] if trace else []), "-e", "-c", script],
        cwd=LMS_DIR,
        env={**env, "STANDIN_LMS_TUTOR_SETTINGS": str(settings)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _manage(env: dict[str, str], *args: str, input: str | None = None, check: bool = True):
    result = subprocess.run(
        [sys.executable, "manage.py", "lms", *args],
        cwd=LMS_DIR,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"manage.py lms {args[0]} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result


_CREATE_USERS = """
from django.contrib.auth import get_user_model
from common.djangoapps.student.models import UserProfile
User = get_user_model()
for username, email, password, staff, name in {users!r}:
    first_name, _, last_name = name.partition(" ")
    user = User.objects.create_user(username, email, password, is_staff=staff,
                                    first_name=first_name, last_name=last_name)
    UserProfile.objects.create(user=user, name=name)
"""

_template_dir: Path | None = None


def _template_database() -> Path:
    """A database migrated once per process, with the standard users, copied for each instance."""
    global _template_dir
    if _template_dir is None:
        directory = Path(tempfile.mkdtemp(prefix="standin-lms-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        env = _base_env(
            {
                "STANDIN_LMS_DB": str(directory / "lms.sqlite3"),
                "STANDIN_LMS_JWT_PRIVATE_KEY": _session_private_key(),
                "STANDIN_LMS_LOG": str(directory / "lms.log"),
            }
        )
        users = [
            (LEARNER.username, LEARNER.email, LEARNER.password, False, "Lena Learner"),
            (STAFF.username, STAFF.email, STAFF.password, True, "Sam Staff"),
        ]
        # One Django start for the whole setup: each one costs a second or more.
        setup = (
            "from django.core.management import call_command\n"
            "call_command('migrate', interactive=False, verbosity=0)\n"
            f"call_command('manage_user', {SERVICE_USERNAME!r}, "
            f"{SERVICE_USERNAME + '@example.com'!r}, unusable_password=True)\n"
            + _CREATE_USERS.format(users=users)
        )
        _manage(env, "shell", "-c", setup)
        _template_dir = directory
    return _template_dir / "lms.sqlite3"


_private_key: str | None = None


def _session_private_key() -> str:
    global _private_key
    if _private_key is None:
        _private_key = keys.generate_private_key_pem()
    return _private_key


@dataclass
class StandinLMS:
    """A running stand-in LMS and the handles a test needs."""

    url: str
    db_path: Path
    log_path: Path
    request_log_path: Path
    server_log_path: Path
    env: dict[str, str]
    server: Server
    learner: User = LEARNER
    staff: User = STAFF
    service_username: str = SERVICE_USERNAME
    jwt_audience: str = "openedx"
    clients: dict[str, Client] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return self.env["STANDIN_LMS_URL"] + "/oauth2"

    def _signing_keys(self) -> tuple[str, dict]:
        """(RS512 private key PEM, public JWK set), chosen as the stand-in chooses them."""
        settings = self.env.get("STANDIN_LMS_TUTOR_SETTINGS")
        return keys.signing_keys(
            Path(settings) if settings else None,
            self.env.get("STANDIN_LMS_JWT_PRIVATE_KEY", ""),
            self.db_path.with_name(self.db_path.name + ".jwt-key.pem"),
        )

    @property
    def jwt_private_key(self) -> str:
        """The RS512 key: Tutor's, the one configured, or one generated next to the database."""
        return self._signing_keys()[0]

    @property
    def jwt_secret_key(self) -> str:
        """The HS256 secret (the LMS's JWT_SECRET_KEY)."""
        return self.env["STANDIN_LMS_JWT_SECRET_KEY"]

    @property
    def jwks(self) -> dict:
        """The public JWK set (the LMS's JWT_PUBLIC_SIGNING_JWK_SET)."""
        return self._signing_keys()[1]

    @property
    def jwks_json(self) -> str:
        return json.dumps(self.jwks)

    def manage(
        self, *args: str, input: str | None = None, check: bool = True, env: dict | None = None
    ):
        """Run `manage.py lms ARGS...` against this instance's database and settings."""
        return _manage({**self.env, **(env or {})}, *args, input=input, check=check)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the stand-in's database directly (read-only): quicker than a shell for checks."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)) as db:
            return db.execute(sql, params).fetchall()

    def shell(self, code: str, check: bool = True, env: dict | None = None):
        """`manage.py lms shell -c CODE`."""
        return self.manage("shell", "-c", code, check=check, env=env)

    def create_user(
        self, username: str, *, password: str | None = None, staff: bool = False, name: str = ""
    ) -> User:
        """A user who can sign in at /login (email `<username>@example.com`), with a profile."""
        user = User(username, f"{username}@example.com", password or secrets.token_urlsafe(12))
        self.shell(
            _CREATE_USERS.format(
                users=[(user.username, user.email, user.password, staff, name or username.title())]
            )
        )
        return user

    def register_client(
        self,
        name: str,
        redirect_uris: Sequence[str],
        *,
        scopes: Sequence[str] = ("user_id",),
        skip_authorization: bool = True,
        client_type: str = "confidential",
        grant_type: str = "authorization-code",
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> Client:
        """Register an OAuth application owned by the service user (quietly, unlike the command)."""
        client = Client(
            name,
            client_id or f"{name}-{secrets.token_hex(4)}",
            client_secret or secrets.token_urlsafe(48),
            tuple(redirect_uris),
        )
        spec = {
            "name": name,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "redirect_uris": " ".join(redirect_uris),
            "client_type": client_type,
            "authorization_grant_type": grant_type,
            "skip_authorization": skip_authorization,
        }
        self.shell(
            "import json\n"
            "from django.contrib.auth import get_user_model\n"
            "from oauth2_provider.models import Application\n"
            "from openedx.core.djangoapps.oauth_dispatch.models import ApplicationAccess\n"
            f"spec = json.loads({json.dumps(spec)!r})\n"
            f"owner = get_user_model().objects.get(username={self.service_username!r})\n"
            "app = Application.objects.create(user=owner, **spec)\n"
            f"ApplicationAccess.objects.create(application=app, scopes={list(scopes)!r})\n"
        )
        self.clients[name] = client
        return client

    def client_by_id(self, client_id: str) -> Client:
        """A client registered some other way (e.g. by provisioning), read from the database."""
        rows = self.query(
            "SELECT name, client_secret, redirect_uris FROM oauth2_provider_application"
            " WHERE client_id = ?",
            (client_id,),
        )
        if not rows:
            raise LookupError(f"no application with client_id {client_id!r}")
        name, secret, redirect_uris = rows[0]
        return Client(name, client_id, secret, tuple(redirect_uris.split()))

    def signed_in_session(self, user: User = LEARNER) -> requests.Session:
        """A requests session holding an LMS session cookie for `user`."""
        return Browser(user).sign_in_at_lms(self.url).http

    def run_job(self, script: str, settings: Path):
        """Run an LMS job's script against this instance (see `run_job`)."""
        return run_job(self.env, script, settings)

    def live_jobs(self, project, extra_env: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a `tutor` of `project` whose LMS jobs run against this instance as
        Tutor starts them (FAKE_DOCKER_LMS_JOBS, read by the fake docker and by
        devstack.k8s_runner), with the LMS settings that Tutor has rendered at that moment and
        `extra_env` in the job's environment."""
        settings = str(project.lms_settings())
        spec = {
            "cwd": str(LMS_DIR),
            "env": {**self.env, "STANDIN_LMS_TUTOR_SETTINGS": settings, **(extra_env or {})},
        }
        path = project.root / "lms-jobs.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        return {"FAKE_DOCKER_LMS_JOBS": str(path)}

    def tutor(self, project, *args: str, env: dict[str, str] | None = None) -> str:
        """`tutor ARGS` in `project`, which must succeed, its LMS jobs run against this instance
        as they start; afterwards the project's docker log holds this command's calls only."""
        project.actions()
        result = project.run(*args, env={**self.live_jobs(project), **(env or {})})
        if result.returncode != 0:
            raise RuntimeError(f"`tutor {' '.join(args)}` failed:\n{result.output[-3000:]}")
        return result.output

    def accepts(self, credentials: tuple[str, str]) -> bool:
        """Whether the token endpoint authenticates these client credentials. It answers the
        client-credentials grant with a token (200), or refuses it to an authorization-code
        client (400); unknown credentials get 401."""
        response = requests.post(
            self.url + "/oauth2/access_token",
            data={"grant_type": "client_credentials"},
            auth=credentials,
            timeout=30,
        )
        if response.status_code not in (200, 400, 401):
            raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:300]}")
        return response.status_code != 401

    def run_recorded_jobs(self, project) -> list[str]:
        """Run the LMS jobs a Tutor project asked Docker for since it was last asked (see
        TutorProject.actions), with the settings it rendered; returns their output."""
        outputs = []
        for action in project.actions():
            if action.kind == "sync":
                result = self.run_job(action.script, project.lms_settings())
                output = result.stdout + result.stderr
                if result.returncode != 0:
                    raise RuntimeError(f"the LMS job failed:\n{output[-3000:]}")
                outputs.append(output)
        return outputs

    def authorize(
        self,
        session: requests.Session,
        client: Client,
        *,
        scope: str = "user_id profile email",
        redirect_uri: str | None = None,
        state: str = "state-123",
        code_challenge: str | None = None,
        **params: str,
    ) -> requests.Response:
        """GET /oauth2/authorize/ without following redirects."""
        query = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": redirect_uri or client.redirect_uris[0],
            "scope": scope,
            "state": state,
            **(
                {"code_challenge": code_challenge, "code_challenge_method": "S256"}
                if code_challenge
                else {}
            ),
            **params,
        }
        return session.get(
            self.url + "/oauth2/authorize/", params=query, allow_redirects=False, timeout=10
        )

    def exchange_code(
        self,
        client: Client,
        code: str,
        *,
        verifier: str | None = None,
        redirect_uri: str | None = None,
        **form: str,
    ) -> requests.Response:
        """POST the code to /oauth2/access_token with HTTP Basic client authentication."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or client.redirect_uris[0],
            **({"code_verifier": verifier} if verifier else {}),
            **form,
        }
        return requests.post(
            self.url + "/oauth2/access_token",
            data=data,
            auth=(client.client_id, client.client_secret),
            timeout=10,
        )

    def requests_log(self) -> list[dict]:
        """Every request the server has answered so far, oldest first."""
        if not self.request_log_path.exists():
            return []
        return [json.loads(line) for line in self.request_log_path.read_text().splitlines() if line]

    def stop(self) -> None:
        self.server.stop()


def start_standin_lms(
    workdir: Path,
    *,
    tutor_settings: Path | None = None,
    public_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> StandinLMS:
    """Start a fresh stand-in LMS in `workdir` (created if needed); call stop() when done.

    `public_url` is the URL browsers use (the issuer follows it); it defaults to the server's own
    loopback URL. `tutor_settings` is a settings file rendered by Tutor whose lmsauth block the
    stand-in applies.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / "lms.sqlite3"
    shutil.copyfile(_template_database(), db_path)
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = _base_env(
            {
                "STANDIN_LMS_DB": str(db_path),
                "STANDIN_LMS_URL": (public_url or url).rstrip("/"),
                "STANDIN_LMS_JWT_PRIVATE_KEY": _session_private_key(),
                "STANDIN_LMS_JWT_SECRET_KEY": "standin-lms-jwt-secret-not-for-production",
                "STANDIN_LMS_LOG": str(workdir / "lms.log"),
                "STANDIN_LMS_REQUEST_LOG": str(workdir / "requests.jsonl"),
                **({"STANDIN_LMS_TUTOR_SETTINGS": str(tutor_settings)} if tutor_settings else {}),
                **(extra_env or {}),
            }
        )
        server = Server(
            "stand-in LMS",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",  # one process: django-ratelimit counts in its memory
                "--threads",
                "8",
                "standin.wsgi:application",
            ],
            env=env,
            cwd=LMS_DIR,
            log_path=workdir / "gunicorn.log",
        )
        try:
            server.wait_until_ready(url + "/login")
        except RuntimeError:
            server.stop()
            # Another process may have taken the port between our pick and gunicorn's bind.
            if "Address already in use" in server.log_tail():
                continue
            raise
        return StandinLMS(
            url=url,
            db_path=db_path,
            log_path=workdir / "lms.log",
            request_log_path=workdir / "requests.jsonl",
            server_log_path=workdir / "gunicorn.log",
            env=env,
            server=server,
        )
    raise RuntimeError("stand-in LMS: no free port after three attempts")


@contextlib.contextmanager
def running_standin_lms(workdir: Path, **options):
    lms = start_standin_lms(workdir, **options)
    try:
        yield lms
    finally:
        lms.stop()
