"""A `docker` that carries out Tutor's calls against the integrated stack, while Tutor waits.

The fake docker (tests/fakes/docker) records each call; this wrapper then hands the call over a
Unix socket to the process that owns the stack and waits for its answer, as Tutor waits for the
real Docker:

- `docker compose ... up ... lmsauth` restarts the app on the environment Tutor just rendered
  (what `docker compose up -d` does after an environment change: stop, then start);
- `docker compose ... run ... lms-job sh -e -c SCRIPT` runs SCRIPT against the stand-in LMS.

Every action is timed (`events`), so a benchmark can tell which phase a sign-in fell in.
"""

import json
import os
import shutil
import socketserver
import stat
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .stack import Stack
from .tutor_root import FAKE_DOCKER_DIR


@dataclass(frozen=True)
class Event:
    kind: str  # "recreate" or "sync"
    started: float  # time.monotonic()
    ended: float


def classify(args: list[str]) -> tuple[str, str] | None:
    """("recreate", "") or ("sync", script) for the calls that act, None for the others."""
    if "up" in args and args[-1] == "lmsauth":
        return "recreate", ""
    if "run" in args and args[-4:-1] == ["sh", "-e", "-c"] and args[-5] == "lms-job":
        return "sync", args[-1]
    return None


class DockerActor:
    def __init__(self, stack: Stack, workdir: Path) -> None:
        self.stack = stack
        self.workdir = workdir
        self.events: list[Event] = []
        self.errors: list[str] = []
        workdir.mkdir(parents=True, exist_ok=True)
        # Unix socket paths are short (108 bytes): not under a deep test folder.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="docker-actor-"))
        self.socket_path = self._socket_dir / "docker.sock"
        self._write_wrapper(workdir / "bin" / "docker")
        actor = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                args = json.loads(self.rfile.readline())
                self.wfile.write(f"{actor.act(args)}\n".encode())

        self._server = socketserver.UnixStreamServer(str(self.socket_path), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def env(self) -> dict[str, str]:
        """Variables for a `tutor` subprocess (on top of the stack's TutorRoot.env())."""
        return {
            "PATH": f"{self.workdir / 'bin'}{os.pathsep}{self.stack.tutor.env()['PATH']}",
            "DOCKER_ACTOR_SOCKET": str(self.socket_path),
        }

    def act(self, args: list[str]) -> int:
        action = classify(args)
        if action is None:
            return 0
        kind, script = action
        started = time.monotonic()
        try:
            if kind == "recreate":
                self.stack.restart_app()
            else:
                self.stack._run_job("lms-job", script)
        except Exception as error:  # reported to Tutor as a failed docker call
            self.errors.append(f"{kind}: {error}")
            return 1
        finally:
            self.events.append(Event(kind, started, time.monotonic()))
        return 0

    def __enter__(self) -> "DockerActor":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        shutil.rmtree(self._socket_dir, ignore_errors=True)

    @staticmethod
    def _write_wrapper(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            textwrap.dedent(
                f"""\
                #!/usr/bin/env python3
                import json, os, socket, subprocess, sys
                subprocess.run([{str(FAKE_DOCKER_DIR / "docker")!r}, *sys.argv[1:]], check=True)
                with socket.socket(socket.AF_UNIX) as channel:
                    channel.connect(os.environ["DOCKER_ACTOR_SOCKET"])
                    channel.sendall(json.dumps(sys.argv[1:]).encode() + b"\\n")
                    sys.exit(int(channel.makefile().readline()))
                """
            ),
            encoding="utf-8",
        )
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
