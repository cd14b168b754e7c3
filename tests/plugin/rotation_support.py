"""Driving `tutor lmsauth rotate-secret` in a subprocess and reading back what it did.

What a rotation does shows in three places: config.yml (the secrets and the recorded phase),
the rendered app environment, and the docker calls the fake `docker` recorded (the app
recreated, the provisioning job run).
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.standin import LMS_DIR
from tests.support.tutor_root import FAKE_DOCKER_DIR, TUTOR, TutorRoot

SECRET = "LMSAUTH_CLIENT_SECRET"
PREVIOUS = "LMSAUTH_PREVIOUS_CLIENT_SECRET"
STATE = "LMSAUTH_ROTATION"


def project_template(folder: Path, settings: dict) -> Path:
    """A Tutor project with the plugin enabled and `settings` saved, to copy for each test.

    A site without Tutor's default plugins (mfe, indigo), which are not installed here.
    """
    root = TutorRoot(folder)
    (root.path / "config.yml").write_text("PLUGINS: []\n", encoding="utf-8")
    root.run("plugins", "enable", "lmsauth")
    root.save({"LMS_HOST": "local.openedx.io", **settings})
    return root.path


def fresh_copy(template: Path, folder: Path) -> TutorRoot:
    """A copy of `template`, so each test starts from the same secrets, with no docker calls."""
    shutil.copytree(template, folder)
    root = TutorRoot(folder)
    root.docker_log.write_text("", encoding="utf-8")
    return root


@dataclass(frozen=True)
class Action:
    """One thing the real Docker would have done: `recreate` the app, or `sync` the LMS."""

    kind: str
    project: str
    script: str = ""


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str


def tutor(root: TutorRoot, *args: str, env: dict[str, str] | None = None) -> Outcome:
    """Run `tutor ARGS` and return its exit code and output, whether it failed or not."""
    result = subprocess.run(
        [*TUTOR, *args],
        env={**root.env(), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return Outcome(result.returncode, result.stdout + result.stderr)


def config(root: TutorRoot) -> dict:
    return yaml.safe_load((root.path / "config.yml").read_text(encoding="utf-8"))


def actions(root: TutorRoot) -> list[Action]:
    """The app recreations and LMS jobs recorded since the last call (which clears the log)."""
    found = []
    if not root.docker_log.exists():
        return found
    for line in root.docker_log.read_text(encoding="utf-8").splitlines():
        args = json.loads(line)
        project = args[args.index("--project-name") + 1] if "--project-name" in args else ""
        if "up" in args and args[-1] == "lmsauth":
            found.append(Action("recreate", project))
        elif "run" in args and args[-4:-1] == ["sh", "-e", "-c"] and args[-5] == "lms-job":
            found.append(Action("sync", project, args[-1]))
    root.docker_log.write_text("", encoding="utf-8")
    return found


def crashing_docker(directory: Path, verb: str, nth: int) -> dict[str, str]:
    """Environment for a `docker` that records the call, then kills Tutor on the nth `verb`.

    The kill comes from the fake itself, so the rotation dies exactly there, the way a lost SSH
    session or an out-of-memory kill would stop it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    wrapper = directory / "docker"
    wrapper.write_text(
        textwrap.dedent(
            f"""\
            #!/usr/bin/env python3
            import json, os, signal, subprocess, sys
            subprocess.run([{str(FAKE_DOCKER_DIR / "docker")!r}, *sys.argv[1:]], check=True)
            with open(os.environ["FAKE_DOCKER_LOG"], encoding="utf-8") as log:
                seen = sum({verb!r} in json.loads(line) for line in log)
            if {verb!r} in sys.argv[1:] and seen == {nth}:
                os.kill(os.getppid(), signal.SIGKILL)
            """
        ),
        encoding="utf-8",
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_lms_jobs(root: TutorRoot, lms, recorded: list[Action]) -> list[str]:
    """Run the LMS jobs among `recorded` against the stand-in `lms`, as the LMS job container
    would: in the stand-in's folder, with the LMS settings Tutor rendered. Returns their output.
    """
    outputs = []
    for action in recorded:
        if action.kind != "sync":
            continue
        result = subprocess.run(
            ["sh", "-e", "-c", action.script],
            cwd=LMS_DIR,
            env={
                **lms.env,
                "STANDIN_LMS_TUTOR_SETTINGS": str(root.lms_settings),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            },
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout + result.stderr)
    return outputs
