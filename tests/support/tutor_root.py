"""A private Tutor project: the real `tutor` CLI in subprocesses, with the fake `docker` on PATH."""

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FAKE_DOCKER_DIR = REPO / "tests" / "fakes"

# `tutor` of this interpreter (the virtualenv's), whatever is first on PATH.
TUTOR = [sys.executable, "-c", "from tutor.commands.cli import main; main()"]


class TutorRoot:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.plugins_root = path / "plugins"
        self.docker_log = path / "docker-calls.jsonl"
        self.plugins_root.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TUTOR_ROOT": str(self.path),
            # No plugins of the machine's user leak into the project.
            "TUTOR_PLUGINS_ROOT": str(self.plugins_root),
            # The fake docker first, then this interpreter's folder: the scripts Tutor runs
            # must not meet another `python3` (the machine's, say) first.
            "PATH": os.pathsep.join(
                [str(FAKE_DOCKER_DIR), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
            ),
            "FAKE_DOCKER_LOG": str(self.docker_log),
        }

    def run(self, *args: str) -> str:
        """Run `tutor ARGS`; its output is returned (it may echo scripts: never print it)."""
        result = subprocess.run(
            [*TUTOR, *args], env=self.env(), capture_output=True, text=True, check=False
        )
        output = result.stdout + result.stderr
        # Tutor reports a plugin that fails to import without failing itself (and warns about
        # its default plugins, indigo and mfe, which are not installed here).
        if result.returncode != 0 or "Failed to enable plugin 'lmsauth'" in output:
            raise RuntimeError(f"`tutor {args[0]} ...` failed:\n{output[-3000:]}")
        return output

    def save(self, settings: Mapping[str, Any]) -> None:
        """`tutor config save --set KEY=VALUE ...`: values are YAML, as on the command line."""
        pairs = [
            f"{key}={json.dumps(value) if not isinstance(value, str) else value}"
            for key, value in settings.items()
        ]
        self.run("config", "save", *(arg for pair in pairs for arg in ("--set", pair)))

    def value(self, key: str) -> str:
        return self.run("config", "printvalue", key).strip()

    def captured_scripts(self, command: list[str]) -> list[tuple[str, str]]:
        """Run a `tutor local ...` command and return the (service, script) of each job run.

        The fake docker records `docker compose ... run --rm ... <service> sh -e -c SCRIPT`.
        """
        self.docker_log.write_text("", encoding="utf-8")
        self.run(*command)
        jobs = []
        for line in self.docker_log.read_text(encoding="utf-8").splitlines():
            args = json.loads(line)
            if "run" in args and args[-3:-1] == ["-e", "-c"] and args[-4] == "sh":
                jobs.append((args[-5], args[-1]))
        return jobs

    @property
    def app_env_file(self) -> Path:
        return self.path / "env" / "plugins" / "lmsauth" / "apps" / "lmsauth.env"

    @property
    def caddyfile(self) -> Path:
        return self.path / "env" / "apps" / "caddy" / "Caddyfile"

    @property
    def lms_settings(self) -> Path:
        return self.path / "env" / "apps" / "openedx" / "settings" / "lms" / "production.py"

    def app_env(self) -> dict[str, str]:
        """The `lmsauth` service's environment as rendered (KEY=VALUE lines, compose env_file)."""
        env = {}
        for line in self.app_env_file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                env[key.strip()] = value
        return env
