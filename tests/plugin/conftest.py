"""Tutor projects rendered with the lmsauth plugin: each configuration once per session.

The real `tutor` CLI runs in subprocesses with a private TUTOR_ROOT and no user plugins; tests
then validate what it rendered with the real docker-compose, Caddy, kubectl and
kubernetes-validate.
"""

import functools
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from tutor import config as tutor_config

from tutorplugin.__about__ import __version__

# `tutor` of this interpreter, whatever is first on PATH.
TUTOR = [sys.executable, "-c", "from tutor.commands.cli import main; main()"]
LOCAL_FILES = ["docker-compose.yml", "docker-compose.prod.yml", "docker-compose.jobs.yml"]
DEV_FILES = [
    "../local/docker-compose.yml",
    "docker-compose.yml",
    "../local/docker-compose.jobs.yml",
    "docker-compose.jobs.yml",
]
ENABLE_FAILURE = "Failed to enable plugin"
# The app image's default name: Tutor's default registry, the plugin's version.
DEFAULT_IMAGE = f"{tutor_config.load_defaults()['DOCKER_REGISTRY']}lmsauth:{__version__}"
FAKE_DOCKER_DIR = Path(__file__).resolve().parents[1] / "fakes"


class TutorFailed(Exception):
    def __init__(self, args: list[str], output: str) -> None:
        super().__init__(f"`tutor {' '.join(args[:2])} ...` failed")
        self.output = output


class Project:
    """One Tutor project root, driven through the `tutor` command line."""

    def __init__(self, root: Path, settings: Mapping[str, Any] | None = None) -> None:
        self.root = root
        self.env_dir = root / "env"
        # Everything Tutor printed, for the tests that look for secrets or alerts in it.
        self.output = ""
        # Added to the environment of every `tutor` call (e.g. a fake docker on PATH).
        self.extra_env: dict[str, str] = {}
        # The operator's config.yml: a site without Tutor's default plugins (mfe, indigo, not
        # installed here), plus the settings under test.
        root.mkdir(parents=True, exist_ok=True)
        config = {"PLUGINS": [], **(settings or {})}
        (root / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")

    def environ(self) -> dict[str, str]:
        return {
            **os.environ,
            "TUTOR_ROOT": str(self.root),
            "TUTOR_PLUGINS_ROOT": "/nonexistent",
            **self.extra_env,
        }

    def tutor(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [*TUTOR, *args], env=self.environ(), capture_output=True, text=True, check=False
        )
        output = result.stdout + result.stderr
        self.output += output
        if check and (result.returncode != 0 or ENABLE_FAILURE in output):
            raise TutorFailed(list(args), output)
        return output

    def save(self, settings: Mapping[str, Any] | None = None) -> str:
        """`tutor config save --set KEY=VALUE ...`, values written as YAML as an operator would."""
        args = ["config", "save"]
        for key, value in (settings or {}).items():
            args += ["--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
        return self.tutor(*args)

    def config(self) -> dict[str, Any]:
        return yaml.safe_load((self.root / "config.yml").read_text(encoding="utf-8"))

    def read(self, *parts: str) -> str:
        return self.env_dir.joinpath(*parts).read_text(encoding="utf-8")

    def app_env(self) -> dict[str, str]:
        """The app's environment file as docker compose reads it (KEY=VALUE lines)."""
        pairs = {}
        for line in self.read("plugins", "lmsauth", "apps", "lmsauth.env").splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                pairs[key] = value
        return pairs

    @functools.cache  # noqa: B019 (one project per configuration, kept for the session)
    def compose(self, mode: str) -> dict[str, Any]:
        """`docker-compose config` of the local or dev file set: validated and merged."""
        folder = self.env_dir / mode
        files = LOCAL_FILES if mode == "local" else DEV_FILES
        command = ["docker-compose", "--project-directory", str(folder)]
        for name in files:
            command += ["-f", str((folder / name).resolve())]
        # `config` validates exactly as `config -q` does, and prints the merged result.
        result = subprocess.run([*command, "config"], capture_output=True, text=True)
        assert result.returncode == 0, f"docker-compose rejects the {mode} files:\n{result.stderr}"
        return yaml.safe_load(result.stdout)

    def caddyfile(self) -> Path:
        return self.env_dir / "apps" / "caddy" / "Caddyfile"

    @functools.cache  # noqa: B019
    def caddy_json(self) -> dict[str, Any]:
        """`caddy adapt` of the rendered Caddyfile, as in the container (plain HTTP on :80)."""
        result = subprocess.run(
            ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(self.caddyfile())],
            env={**os.environ, "default_site_port": ":80"},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    @functools.cache  # noqa: B019
    def kustomized(self) -> Path:
        """`kubectl kustomize` of the env folder, written next to it."""
        result = subprocess.run(
            ["kubectl", "kustomize", str(self.env_dir)], capture_output=True, text=True, check=True
        )
        path = self.root / "kustomized.yml"
        path.write_text(result.stdout, encoding="utf-8")
        return path

    def k8s_objects(self) -> list[dict[str, Any]]:
        text = self.kustomized().read_text(encoding="utf-8")
        return [doc for doc in yaml.safe_load_all(text) if doc]

    def k8s_object(self, kind: str, name: str) -> dict[str, Any]:
        for obj in self.k8s_objects():
            if obj["kind"] == kind and obj["metadata"]["name"] == name:
                return obj
        raise LookupError(f"no {kind} {name} in the kustomized manifests")


class Recorded:
    """A project whose `docker` calls are recorded by the fake docker."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.log = project.root / "docker-calls.jsonl"

    def tutor(self, *args: str) -> str:
        self.log.write_text("", encoding="utf-8")
        self.project.extra_env = {
            "PATH": f"{FAKE_DOCKER_DIR}{os.pathsep}{os.environ['PATH']}",
            "FAKE_DOCKER_LOG": str(self.log),
        }
        return self.project.tutor(*args)

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def jobs(self) -> list[tuple[str, str]]:
        """(compose service, script) of each `docker compose run ... sh -e -c SCRIPT`."""
        return [
            (call[-5], call[-1])
            for call in self.calls()
            if "run" in call and call[-4:-1] == ["sh", "-e", "-c"]
        ]

    def script(self, service: str) -> str:
        (script,) = [script for name, script in self.jobs() if name == service]
        return script


def new_project(tmp_path_factory: pytest.TempPathFactory, settings: Mapping[str, Any]) -> Project:
    """A project whose config.yml enables the plugin with `settings`, then `tutor config save`.

    (`tutor plugins enable` itself is exercised by the lifecycle tests.)
    """
    return project_in(tmp_path_factory.mktemp("tutor-root"), settings)


def project_in(root: Path, settings: Mapping[str, Any]) -> Project:
    project = Project(root, {"PLUGINS": ["lmsauth"], **settings})
    project.save()
    return project


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
}


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
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
def default(projects: dict[str, Project]) -> Project:
    return projects["default"]


@pytest.fixture(scope="session")
def path_mode(projects: dict[str, Project]) -> Project:
    return projects["path"]


@pytest.fixture(scope="session")
def https(projects: dict[str, Project]) -> Project:
    return projects["https"]


@pytest.fixture(scope="session")
def mysql(projects: dict[str, Project]) -> Project:
    return projects["mysql"]


@pytest.fixture(scope="session")
def extra(projects: dict[str, Project]) -> Project:
    return projects["extra"]


@pytest.fixture(params=sorted(CONFIGURATIONS))
def each_project(request: pytest.FixtureRequest, projects: dict[str, Project]) -> Project:
    return projects[request.param]
