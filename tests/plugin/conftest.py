"""Tutor projects rendered with the lmsauth plugin: each configuration once per session.

The real `tutor` CLI runs in subprocesses with a private TUTOR_ROOT and no user plugins; tests
then validate what it rendered with the real docker-compose, Caddy, kubectl and
kubernetes-validate.
"""

import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devstack.declared_apps import jupyterhub_declaration
from devstack.provisioning import StandinDatabase
from devstack.standin import running_standin_lms
from devstack.tutor_project import TutorProject
from tutorplugin.__about__ import __version__

# The app image's default name: built on the operator's machine, tagged with the plugin's version.
DEFAULT_IMAGE = f"lmsauth:{__version__}"


def new_project(
    tmp_path_factory: pytest.TempPathFactory, settings: Mapping[str, Any]
) -> TutorProject:
    """A project whose config.yml enables the plugin with `settings`, then `tutor config save`.

    (`tutor plugins enable` itself is exercised by the lifecycle tests.)
    """
    return project_in(tmp_path_factory.mktemp("tutor-root"), settings)


def project_in(root: Path, settings: Mapping[str, Any]) -> TutorProject:
    project = TutorProject(root, {"PLUGINS": ["lmsauth"], **settings})
    project.save()
    return project


# Two declared apps: JupyterHub as README's "Your own apps" declares it (from a registry here),
# and one under a path with a port for `tutor dev`.
NOTEBOOKS = {**jupyterhub_declaration("subdomain"), "image": "registry.example.com/notebooks:1"}
GRADES = {
    "image": "grades:2",
    "port": 8080,
    "path": "/grades",
    "callback_path": "/oauth/complete/",
    "health_path": "/healthz",
    "dev_port": 8795,
    "env": {"GRADES_CLIENT_ID": "client_id", "GRADES_KEYS": "jwt_public_keys"},
    "scopes": "user_id email",
}
DECLARED_APPS = {"notebooks": NOTEBOOKS, "grades": GRADES}

# The configurations under test, each rendered once.
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "default": {},
    "path": {"LMSAUTH_ROUTING": "path"},
    "https": {"ENABLE_HTTPS": True, "LMS_HOST": "courses.example.org", "LMSAUTH_DEV_PORT": 9123},
    "mysql": {"LMSAUTH_DATABASE": "mysql", "LMSAUTH_REPLICAS": 3},
    "extra": {
        "LMSAUTH_EXTRA_CLIENTS": {
            "reports": {
                "redirect_uris": ["https://reports.example.org/oauth/complete/"],
                "scopes": ["user_id", "email"],
            },
            "exporter": {"grant_type": "client-credentials"},
        }
    },
    "apps": {"LMS_HOST": "local.openedx.io", "LMSAUTH_APPS": DECLARED_APPS},
}


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TutorProject]:
    # Each render is a few Tutor processes: run the configurations side by side. The folders are
    # made here, one at a time: pytest's temporary folders are not safe to create from threads.
    roots = {name: tmp_path_factory.mktemp("tutor-root") for name in CONFIGURATIONS}
    with ThreadPoolExecutor(max_workers=len(CONFIGURATIONS)) as pool:
        futures = {
            name: pool.submit(project_in, roots[name], settings)
            for name, settings in CONFIGURATIONS.items()
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="session")
def default(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["default"]


@pytest.fixture(scope="session")
def path_mode(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["path"]


@pytest.fixture(scope="session")
def https(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["https"]


@pytest.fixture(scope="session")
def mysql(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["mysql"]


@pytest.fixture(scope="session")
def extra(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["extra"]


@pytest.fixture(scope="session")
def with_apps(projects: dict[str, TutorProject]) -> TutorProject:
    return projects["apps"]


@pytest.fixture(params=sorted(CONFIGURATIONS))
def each_project(request: pytest.FixtureRequest, projects: dict[str, TutorProject]) -> TutorProject:
    return projects[request.param]


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """A running stand-in LMS, plus a pristine copy of its migrated database."""
    workdir = tmp_path_factory.mktemp("provision-lms")
    with running_standin_lms(workdir / "server") as server:
        pristine = workdir / "pristine.sqlite3"
        shutil.copyfile(server.db_path, pristine)
        server.pristine_db = pristine
        yield server


@pytest.fixture
def lms_db(lms, tmp_path):
    """A stand-in LMS database of this test's own, copied from the freshly migrated one: the
    jobs Tutor would run are run against it."""
    return StandinDatabase.copy_of(lms.pristine_db, tmp_path / "lms", lms.env)
