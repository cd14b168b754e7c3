"""A private Tutor project, driven through the real `tutor` command line.

Every command runs in a subprocess with this interpreter's Tutor (whatever `tutor` comes first on
PATH), a TUTOR_ROOT of its own and no plugin of the machine's user. The fake `docker`
(devstack/fakes/docker) comes first on PATH: it records each call Tutor makes and runs nothing,
so the jobs Tutor would have started can be read back (and run for real elsewhere). Everything
Tutor printed is kept in `output`, for the checks that no secret is ever shown.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# `tutor` of this interpreter (the virtualenv's), whatever is first on PATH.
TUTOR = [sys.executable, "-c", "from tutor.commands.cli import main; main()"]
FAKE_DOCKER_DIR = Path(__file__).resolve().parent / "fakes"
# Tutor reports a plugin that fails to import without failing itself.
ENABLE_FAILURE = "Failed to enable plugin"
LOCAL_FILES = ["docker-compose.yml", "docker-compose.prod.yml", "docker-compose.jobs.yml"]
DEV_FILES = [
    "../local/docker-compose.yml",
    "docker-compose.yml",
    "../local/docker-compose.jobs.yml",
    "docker-compose.jobs.yml",
]
# Seconds for one Tutor command.
TIMEOUT = 300
# The LMS host of the projects the tests and benchmarks make: a public name for 127.0.0.1.
LMS_HOST = "local.openedx.io"


class TutorFailed(RuntimeError):
    def __init__(self, args: list[str], output: str) -> None:
        super().__init__(f"`tutor {' '.join(args[:3])} ...` failed:\n{output[-3000:]}")
        self.output = output


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str


@dataclass(frozen=True)
class Action:
    """One thing the real Docker would have done: `recreate` or `stop` an app's container
    (`service`: `lmsauth` or a declared app), or `sync` the LMS (run `script` in an LMS job)."""

    kind: str
    project: str
    script: str = ""
    service: str = ""


def job_of(call: list[str]) -> tuple[str, str] | None:
    """(compose service, script) of a `docker compose ... run ... SERVICE sh -e -c SCRIPT`."""
    if "run" in call and call[-4:-1] == ["sh", "-e", "-c"]:
        return call[-5], call[-1]
    return None


def action_of(call: list[str]) -> Action | None:
    """The recreation or the stop of one service, or the LMS job, that a docker call asks for;
    None for every other call (`up` and `stop` of every service among them)."""
    project = call[call.index("--project-name") + 1] if "--project-name" in call else ""
    if "up" in call and not call[-1].startswith("-"):
        return Action("recreate", project, service=call[-1])
    if "stop" in call and call[-1] != "stop":
        return Action("stop", project, service=call[-1])
    job = job_of(call)
    if job and job[0] == "lms-job":
        return Action("sync", project, job[1])
    return None


class TutorProject:
    """One Tutor project root; `tutor()` runs a command in it."""

    def __init__(self, root: Path, settings: Mapping[str, Any] | None = None) -> None:
        """A project in `root`, whose config.yml is written unless `root` already holds one.

        The written config.yml is an operator's: a site without Tutor's default plugins (mfe,
        indigo, not installed here), plus `settings`.
        """
        self.root = root
        self.env_dir = root / "env"
        self.docker_log = root / "docker-calls.jsonl"
        # An empty folder: no plugin of the machine's user leaks into the project.
        self.plugins_root = root / "plugins"
        self.plugins_root.mkdir(parents=True, exist_ok=True)
        self.config_file = root / "config.yml"
        self.output = ""
        self._derived: dict[str, Any] = {}
        if settings is not None or not self.config_file.exists():
            config = {"PLUGINS": [], **(settings or {})}
            self.config_file.write_text(yaml.safe_dump(config), encoding="utf-8")

    def copy(self, root: Path) -> "TutorProject":
        """A copy of this project in `root` (same secrets), with no docker call recorded."""
        shutil.copytree(self.root, root)
        project = TutorProject(root)
        project.docker_log.write_text("", encoding="utf-8")
        return project

    # --- running Tutor ------------------------------------------------------------------------
    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a `tutor` subprocess, with `extra` on top."""
        return {
            **os.environ,
            "TUTOR_ROOT": str(self.root),
            "TUTOR_PLUGINS_ROOT": str(self.plugins_root),
            # The fake docker first, then this interpreter's folder: the scripts Tutor runs must
            # not meet another `python3` (the machine's, say) first.
            "PATH": os.pathsep.join(
                [str(FAKE_DOCKER_DIR), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
            ),
            "FAKE_DOCKER_LOG": str(self.docker_log),
            **(extra or {}),
        }

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Outcome:
        """`tutor ARGS`, whether it fails or not."""
        return self._run([*TUTOR, *args], env)

    def tutor(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """`tutor ARGS`, which must succeed; returns what it printed (never print it: it may
        hold the scripts of jobs)."""
        outcome = self.run(*args, env=env)
        if outcome.returncode != 0 or ENABLE_FAILURE in outcome.output:
            raise TutorFailed(list(args), outcome.output)
        return outcome.output

    def save(self, settings: Mapping[str, Any] | None = None) -> str:
        """`tutor config save --set KEY=VALUE ...`, values written as YAML as an operator would."""
        args = ["config", "save"]
        for key, value in (settings or {}).items():
            args += ["--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
        return self.tutor(*args)

    def k8s(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[str, dict[str, Any]]:
        """`tutor ARGS` (a `k8s` command) with no cluster (see devstack.k8s_runner): what Tutor
        printed, and the kubectl calls and manifests it would have sent."""
        record = self.root / "k8s-record.json"
        command = [sys.executable, "-m", "devstack.k8s_runner", str(record), *args]
        outcome = self._run(command, env)
        if outcome.returncode != 0:
            raise TutorFailed(list(args), outcome.output)
        return outcome.output, json.loads(record.read_text(encoding="utf-8"))

    def _run(self, command: list[str], env: Mapping[str, str] | None = None) -> Outcome:
        result = subprocess.run(
            command,
            env=self.env(env),
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT,
        )
        # Whatever was rendered may have changed: what was derived from it is read again.
        self._derived.clear()
        output = result.stdout + result.stderr
        self.output += output
        return Outcome(result.returncode, output)

    # --- what Tutor keeps and renders ---------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """config.yml, where the generated secrets are kept."""
        return yaml.safe_load(self.config_file.read_text(encoding="utf-8"))

    def read(self, *parts: str) -> str:
        return self.env_dir.joinpath(*parts).read_text(encoding="utf-8")

    @property
    def app_env_file(self) -> Path:
        return self.env_dir / "plugins" / "lmsauth" / "apps" / "lmsauth.env"

    def app_env(self) -> dict[str, str]:
        """The `lmsauth` service's environment as docker compose reads it (KEY=VALUE lines)."""
        pairs = {}
        for line in self.app_env_file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                pairs[key.strip()] = value
        return pairs

    @property
    def caddyfile(self) -> Path:
        return self.env_dir / "apps" / "caddy" / "Caddyfile"

    def lms_settings(self, mode: str = "production") -> Path:
        """The LMS settings file Tutor renders (`production` or `development`)."""
        return self.env_dir / "apps" / "openedx" / "settings" / "lms" / f"{mode}.py"

    def compose(self, mode: str) -> dict[str, Any]:
        """`docker-compose config` of the local or dev file set: validated and merged."""
        return self._cached(f"compose-{mode}", lambda: self._compose(mode))

    def _compose(self, mode: str) -> dict[str, Any]:
        folder = self.env_dir / mode
        command = ["docker-compose", "--project-directory", str(folder)]
        for name in LOCAL_FILES if mode == "local" else DEV_FILES:
            command += ["-f", str((folder / name).resolve())]
        # `config` validates exactly as `config -q` does, and prints the merged result.
        result = subprocess.run([*command, "config"], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"docker-compose rejects the {mode} files:\n{result.stderr}")
        return yaml.safe_load(result.stdout)

    def caddy_json(self) -> dict[str, Any]:
        """`caddy adapt` of the rendered Caddyfile, as in the container (plain HTTP on :80)."""
        return self._cached("caddy", self._caddy_json)

    def _caddy_json(self) -> dict[str, Any]:
        result = subprocess.run(
            ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(self.caddyfile)],
            env={**os.environ, "default_site_port": ":80"},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    def kustomized(self) -> Path:
        """`kubectl kustomize` of the env folder, written next to it."""
        return self._cached("kustomized", self._kustomize)

    def _kustomize(self) -> Path:
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

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    # --- what Tutor asked Docker for ----------------------------------------------------------
    def calls(self) -> list[list[str]]:
        """The docker calls recorded since the log was last cleared, oldest first."""
        if not self.docker_log.exists():
            return []
        lines = self.docker_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def jobs(self) -> list[tuple[str, str]]:
        """(compose service, script) of each job Tutor ran."""
        return [job for job in map(job_of, self.calls()) if job]

    def script(self, service: str) -> str:
        """The script of the one job Tutor ran in `service`."""
        (script,) = [script for name, script in self.jobs() if name == service]
        return script

    def captured_scripts(self, command: list[str]) -> list[tuple[str, str]]:
        """Run `tutor COMMAND` on an empty log: (service, script) of each job it ran."""
        self.docker_log.write_text("", encoding="utf-8")
        self.tutor(*command)
        return self.jobs()

    def actions(self) -> list[Action]:
        """The app recreations and stops, and the LMS jobs, recorded since the last call (which
        clears the log)."""
        found = [action for action in map(action_of, self.calls()) if action]
        self.docker_log.write_text("", encoding="utf-8")
        return found


def enabled_project(root: Path, settings: Mapping[str, Any] | None = None) -> TutorProject:
    """A project where the operator ran `tutor plugins enable lmsauth`, then saved `settings`."""
    project = TutorProject(root)
    project.tutor("plugins", "enable", "lmsauth")
    if settings:
        project.save(settings)
    return project


def kill_at(verb: str, nth: int) -> dict[str, str]:
    """Environment for a `tutor` command that the fake docker kills at the `nth` call with `verb`
    among its arguments: the way a lost SSH session or an out-of-memory kill would stop it."""
    return {"FAKE_DOCKER_KILL_AT": f"{verb}:{nth}"}
