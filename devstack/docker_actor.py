"""Carry out Tutor's docker calls against the integrated stack, while Tutor waits.

The fake docker (devstack/fakes/docker) records each call, then, with FAKE_DOCKER_ACTOR set
(see `env()`), hands it over a Unix socket to the process that owns the stack and waits for its
answer, as Tutor waits for the real Docker:

- `docker compose ... up ... SERVICE` restarts the bundled app (`lmsauth`) or a declared one on
  the environment Tutor just rendered (what `docker compose up -d` does after an environment
  change: stop, then start);
- `docker compose ... stop SERVICE` stops it (Caddy then holds its requests);
- `docker compose ... run ... lms-job sh -e -c SCRIPT` runs SCRIPT against the stand-in LMS.

Every action is timed (`events`), so a benchmark can tell which phase a sign-in fell in.
"""

import json
import shutil
import socketserver
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .stack import Stack
from .tutor_project import action_of


@dataclass(frozen=True)
class Event:
    kind: str  # "recreate", "stop" or "sync"
    service: str  # what was recreated or stopped, or "lms-job"
    started: float  # time.monotonic()
    ended: float


class DockerActor:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.events: list[Event] = []
        self.errors: list[str] = []
        # Unix socket paths are short (108 bytes): not under a deep test folder.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="docker-actor-"))
        self.socket_path = self._socket_dir / "docker.sock"
        actor = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                args = json.loads(self.rfile.readline())
                self.wfile.write(f"{actor.act(args)}\n".encode())

        self._server = socketserver.UnixStreamServer(str(self.socket_path), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def env(self) -> dict[str, str]:
        """Variables for a `tutor` command of the stack's project (TutorProject.tutor's `env`)."""
        return {"FAKE_DOCKER_ACTOR": str(self.socket_path)}

    def act(self, args: list[str]) -> int:
        action = action_of(args)
        # Services that are no process here (the LMS, Caddy...) have nothing to recreate.
        if action is None or (action.service and action.service not in self.stack.services):
            return 0
        started = time.monotonic()
        try:
            if action.kind == "recreate":
                self.stack.restart(action.service)
            elif action.kind == "stop":
                self.stack.stop_service(action.service)
            else:
                self.stack.run_job("lms-job", action.script)
        except Exception as error:  # reported to Tutor as a failed docker call
            self.errors.append(f"{action.kind}: {error}")
            return 1
        finally:
            service = action.service or "lms-job"
            self.events.append(Event(action.kind, service, started, time.monotonic()))
        return 0

    def __enter__(self) -> "DockerActor":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        shutil.rmtree(self._socket_dir, ignore_errors=True)
