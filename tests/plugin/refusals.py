"""Settings tried through the real `tutor config save`, many at a time, and what it renders.

The plugin reports every problem of a configuration at once, one line each, so one command can
try many settings. The commands run in a few Tutor processes side by side, each one running the
real command line once per project (a copy of one saved project), as an operator would, one
after the other: starting Tutor costs more than a save. What is accepted is rendered, then
checked by the tools that read it in production: Compose (local and dev), Caddy, Python (the LMS
settings) and Kubernetes.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from devstack.tutor_project import TutorProject

Item = TypeVar("Item")
Result = TypeVar("Result")
# Tutor processes at once: one per core.
WORKERS = os.cpu_count() or 2


def set_args(settings: Mapping[str, Any]) -> list[str]:
    """`--set KEY=VALUE` arguments giving each key exactly its value (JSON is YAML)."""
    return [
        arg for key, value in settings.items() for arg in ("--set", f"{key}={json.dumps(value)}")
    ]


def problems_in(output: str) -> list[str]:
    """The problems a refusal lists: the lines of Tutor's last `Error: ...` message."""
    if "Error: " not in output:
        return []
    lines = output.rsplit("Error: ", 1)[1].splitlines()
    if lines[0].endswith("settings need fixing:"):
        return [line[2:] for line in lines[1:] if line.startswith("- ")]
    return lines[:1]


@dataclass(frozen=True)
class Saved:
    """What `tutor config save --set ...` did."""

    returncode: int
    output: str
    problems: list[str]
    config_unchanged: bool

    def problem(self, setting: str) -> str:
        """The one problem reported about `setting` (a message starts with its name)."""
        found = self.about(setting)
        if len(found) != 1:
            raise LookupError(f"{len(found)} problems about {setting} in:\n{self.output[-4000:]}")
        return found[0]

    def about(self, setting: str) -> list[str]:
        starts = re.compile(re.escape(setting) + r"(?![A-Za-z0-9_])")
        return [line for line in self.problems if starts.match(line)]


def save(project: TutorProject, settings: Mapping[str, Any]) -> Saved:
    """`tutor config save` of `settings`, in a Tutor process of its own."""
    before = project.config_file.read_bytes()
    outcome = project.run("config", "save", *set_args(settings))
    return _saved(project, before, outcome.returncode, outcome.output)


def side_by_side(function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(function, items))


def _saved(project: TutorProject, before: bytes, returncode: int, output: str) -> Saved:
    unchanged = project.config_file.read_bytes() == before
    return Saved(returncode, output, problems_in(output), unchanged)


# Runs `tutor --root ROOT config save ARGS...` for each [ROOT, ARGS] of the JSON list on stdin,
# in this one process, and prints a result line for each: the exit code and what Tutor printed.
BATCH = """
import contextlib, io, json, sys
from tutor import exceptions, hooks
from tutor.commands.cli import cli

hooks.Actions.CORE_READY.do()
for root, args in json.load(sys.stdin):
    printed = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            cli.main(["--root", root, "config", "save", *args], standalone_mode=False)
        except exceptions.TutorError as error:
            print("Error: " + error.args[0])
            code = 1
    print("RESULT " + json.dumps([code, printed.getvalue()]))
"""


def _save_batch(runs: list[tuple[TutorProject, Mapping[str, Any]]]) -> list[Saved]:
    if not runs:
        return []
    befores = [project.config_file.read_bytes() for project, _ in runs]
    result = subprocess.run(
        [sys.executable, "-c", BATCH],
        input=json.dumps([[str(project.root), set_args(settings)] for project, settings in runs]),
        env=runs[0][0].env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or len(lines) != len(runs):
        raise RuntimeError(f"the batch of Tutor commands failed:\n{result.stderr[-3000:]}")
    outcomes = [json.loads(line.removeprefix("RESULT ")) for line in lines]
    return [
        _saved(project, before, code, output)
        for (project, _), before, (code, output) in zip(runs, befores, outcomes, strict=True)
    ]


def save_each(
    base: TutorProject, folder: Path, groups: list[Mapping[str, Any]]
) -> list[tuple[TutorProject, Saved]]:
    """Each group of settings saved in a copy of `base` of its own."""
    runs = [(base.copy(folder / f"project-{n}"), group) for n, group in enumerate(groups)]
    shares = [runs[worker::WORKERS] for worker in range(WORKERS)]
    saved = {
        id(project): outcome
        for share, outcomes in zip(shares, side_by_side(_save_batch, shares), strict=True)
        for (project, _), outcome in zip(share, outcomes, strict=True)
    }
    return [(project, saved[id(project)]) for project, _ in runs]


def tool_errors(command: list[str], **env: str) -> str:
    """What `command` printed if it failed, else ""."""
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    return "" if result.returncode == 0 else (result.stdout + result.stderr)[-3000:]


def rendering_errors(project: TutorProject) -> list[str]:
    """Whatever Compose, Caddy or Python find wrong in the files Tutor rendered."""
    errors = []
    for mode in ("local", "dev"):
        try:
            project.compose(mode)
        except RuntimeError as error:
            errors.append(str(error))
    caddy = ["caddy", "validate", "--adapter", "caddyfile", "--config", str(project.caddyfile)]
    errors.append(tool_errors(caddy, default_site_port=":80"))
    for mode in ("production", "development"):
        path = project.lms_settings(mode)
        try:
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
        except SyntaxError as error:
            errors.append(f"{path}: {error}")
    return [error for error in errors if error]


def kubernetes_errors(projects: Iterable[TutorProject]) -> str:
    """`kubectl kustomize` of each project, then one strict `kubernetes-validate` of them all."""
    files = side_by_side(lambda project: str(project.kustomized()), projects)
    return tool_errors(["kubernetes-validate", "--strict", "--quiet", *files]) if files else ""
