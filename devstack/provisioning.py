"""Provisioning as Tutor runs it, carried out for real against the stand-in LMS.

The job script is what the fake docker (or the Kubernetes runner) recorded; it runs as the LMS
job container runs it (see devstack.standin.run_job), on a stand-in database of its own, and
the database then shows what a real LMS would hold.
"""

import ast
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .standin import run_job
from .tutor_project import LMS_HOST, TutorProject, enabled_project

EXTRA_CLIENTS = {
    "reports": {
        "redirect_uris": ["https://reports.example.com/oauth/complete/"],
        "scopes": ["user_id", "email"],
    },
    "backend": {"grant_type": "client-credentials", "client_id": "backend-service"},
}


def new_project(path: Path, **settings: object) -> TutorProject:
    """A Tutor project with the plugin enabled, two extra clients and `settings` saved."""
    return enabled_project(
        path, {"LMS_HOST": LMS_HOST, "LMSAUTH_EXTRA_CLIENTS": EXTRA_CLIENTS, **settings}
    )


def rendered_clients(settings: Path) -> list[dict]:
    """LMSAUTH_OAUTH_CLIENTS as written into a rendered LMS settings file."""
    for node in ast.parse(settings.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
            "LMSAUTH_OAUTH_CLIENTS"
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"no LMSAUTH_OAUTH_CLIENTS in {settings}")


def sync_script(jobs: list[tuple[str, str]]) -> str:
    """The script of the one LMS job that registers the clients, among the jobs Tutor ran."""
    scripts = [script for job, script in jobs if job == "lms-job" and "lmsauth-sync" in script]
    if len(scripts) != 1:
        raise LookupError(f"expected one lmsauth-sync job in the LMS, got {len(scripts)}")
    return scripts[0]


@dataclass
class StandinDatabase:
    """A stand-in LMS database of its own (a copy of a migrated one) and its log file."""

    path: Path
    log: Path
    base_env: dict[str, str]

    @classmethod
    def copy_of(cls, source: Path, workdir: Path, base_env: dict[str, str]) -> "StandinDatabase":
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "lms.sqlite3"
        shutil.copyfile(source, path)
        return cls(path, workdir / "lms.log", base_env)

    def run_job(self, script: str, settings: Path) -> subprocess.CompletedProcess:
        env = {**self.base_env, "STANDIN_LMS_DB": str(self.path), "STANDIN_LMS_LOG": str(self.log)}
        return run_job(env, script, settings)

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.path) as connection:
            return connection.execute(sql, params).fetchall()

    def applications(self) -> list[dict]:
        """Every OAuth application, with its owner and ApplicationAccess scopes."""
        rows = self.query(
            "SELECT a.id, a.name, u.username, a.client_id, a.client_secret, a.client_type,"
            " a.authorization_grant_type, a.redirect_uris, a.skip_authorization, x.scopes"
            " FROM oauth2_provider_application a"
            " LEFT JOIN auth_user u ON u.id = a.user_id"
            " LEFT JOIN oauth_dispatch_applicationaccess x ON x.application_id = a.id"
            " ORDER BY a.id"
        )
        keys = [
            "id",
            "name",
            "username",
            "client_id",
            "client_secret",
            "client_type",
            "grant_type",
            "redirect_uris",
            "skip_authorization",
            "scopes",
        ]
        apps = [dict(zip(keys, row, strict=True)) for row in rows]
        for app in apps:
            app["redirect_uris"] = app["redirect_uris"].split()
            app["skip_authorization"] = bool(app["skip_authorization"])
            # ApplicationAccess.scopes is a list stored comma-separated, as in the LMS.
            if app["scopes"] is not None:
                app["scopes"] = [scope for scope in app["scopes"].split(",") if scope]
        return apps

    def snapshot(self) -> str:
        """Everything provisioning may touch, to compare before and after a failed run."""
        tables = (
            "auth_user",
            "auth_userprofile",
            "oauth2_provider_application",
            "oauth_dispatch_applicationaccess",
        )
        return json.dumps(
            {table: self.query(f"SELECT * FROM {table} ORDER BY id") for table in tables}
        )

    def password_of(self, username: str) -> str:
        return self.query("SELECT password FROM auth_user WHERE username = ?", username)[0][0]


def expected_application(client: dict) -> dict:
    """The columns an application registered for `client` (contract shape) must have."""
    return {
        "name": client["name"],
        "username": client["username"],
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        "client_type": client["client_type"],
        "grant_type": client["grant_type"],
        "redirect_uris": client["redirect_uris"],
        "skip_authorization": client["skip_authorization"],
        "scopes": client["scopes"],
    }


def registered(db: StandinDatabase) -> dict[str, dict]:
    """The applications of `db` by name, without their database ids; names must be unique."""
    apps = db.applications()
    names = [app["name"] for app in apps]
    if len(names) != len(set(names)):
        raise LookupError(f"duplicate applications: {names}")
    return {app["name"]: {k: v for k, v in app.items() if k != "id"} for app in apps}


def secrets_of(project: TutorProject) -> dict[str, str]:
    """Every secret of the project by name: generated ones in config.yml, the extra clients'."""
    config = project.config()
    found = {
        key: str(value)
        for key, value in config.items()
        if any(word in key for word in ("SECRET", "PASSWORD", "MASTER_KEY")) and value
    }
    for client in rendered_clients(project.lms_settings()):
        found[f"client secret of {client['name']}"] = client["client_secret"]
    # A line from the middle of the LMS's JWT signing key.
    found["JWT_RSA_PRIVATE_KEY"] = config["JWT_RSA_PRIVATE_KEY"].splitlines()[5].strip()
    return found
