"""Fixtures for the bundled app's tests: the stand-in LMS and the app, both real servers."""

import pytest

from devstack.app_server import AppServer, app_env
from devstack.process import free_port
from devstack.standin import lmsauth_settings, running_standin_lms

SCOPES = ["user_id", "profile", "email"]


@pytest.fixture(scope="session")
def main_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def lms(tmp_path_factory, main_port):
    """One stand-in LMS for the app's tests; it signs out of the main app on logout."""
    workdir = tmp_path_factory.mktemp("lms")
    settings = lmsauth_settings(
        workdir / "production.py",
        f'IDA_LOGOUT_URI_LIST.append("http://127.0.0.1:{main_port}/auth/logout/lms/")',
    )
    # The LMS's own limit (120 token requests a minute per address): each test browser has an
    # address of its own (devstack.signin.Browser).
    with running_standin_lms(workdir, tutor_settings=settings) as server:
        yield server


def callback_uri(port: int) -> str:
    return f"http://127.0.0.1:{port}/auth/callback/"


@pytest.fixture(scope="session")
def main_client(lms, main_port):
    """Registered like `lmsauth-sync` does by default: trusted, no consent screen."""
    return lms.register_client("lmsauth-sso", [callback_uri(main_port)], scopes=SCOPES)


@pytest.fixture(scope="session")
def main_app(tmp_path_factory, lms, main_client, main_port):
    workdir = tmp_path_factory.mktemp("app")
    env = app_env(
        lms, main_client, f"http://127.0.0.1:{main_port}", f"sqlite:///{workdir}/db.sqlite3"
    )
    server = AppServer(workdir, env, main_port)
    yield server
    server.stop()


@pytest.fixture
def make_app(tmp_path, lms):
    """Start an extra app server: make_app(client=..., **env overrides) -> AppServer."""
    servers = []

    def start(client=None, port=None, migrate=True, register=True, **overrides):
        port = port or free_port()
        if client is None and register:
            client = lms.register_client(f"app-{port}", [callback_uri(port)], scopes=SCOPES)
        workdir = tmp_path / f"app-{port}"
        database = overrides.pop("LMSAUTH_DATABASE_URL", f"sqlite:///{workdir}/db.sqlite3")
        env = app_env(lms, client, f"http://127.0.0.1:{port}", database, **overrides)
        server = AppServer(workdir, env, port, migrate=migrate)
        server.client = client
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def app_on_own_lms(tmp_path, standin_lms_factory, make_app):
    """An app signing in through a stand-in LMS of its own, whose Tutor-rendered settings hold
    `line`: app_on_own_lms(line) -> (app, lms)."""

    def start(line: str):
        own = standin_lms_factory(tutor_settings=lmsauth_settings(tmp_path / "production.py", line))
        port = free_port()
        client = own.register_client("own-lms", [callback_uri(port)], scopes=SCOPES)
        app = make_app(
            client=client,
            port=port,
            LMSAUTH_LMS_URL=own.url,
            LMSAUTH_LMS_INTERNAL_URL=own.url,
            LMSAUTH_JWT_ISSUER=own.issuer,
        )
        return app, own

    return start
