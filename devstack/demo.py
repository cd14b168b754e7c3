"""`make demo`: the plugin, the app and a stand-in LMS behind Caddy, until Ctrl-C.

    python -m devstack.demo [--routing subdomain|path] [--port PORT] [--workdir DIR]
                            [--lms-host HOST]

Everything runs on this machine without Docker (see devstack/stack.py); the Tutor root,
databases and logs go to DIR (default `.demo/`, emptied at each start). A second app signs in
through the same LMS: JupyterHub (examples/jupyterhub), declared in LMSAUTH_APPS as the README
shows, on `notebooks.HOST` or, with path routing, under `/notebooks/`.
"""

import argparse
import faulthandler
import shutil
import signal
import sys
import threading
from pathlib import Path

from .declared_apps import jupyterhub_declaration
from .paths import REPO
from .process import free_port, port_is_free
from .stack import DEFAULT_LMS_HOST, ROUTINGS, start

# Marks a folder the demo made, and so may empty at its next start.
MARKER = ".lmsauth-demo"
# The declared app's name.
HUB = "notebooks"

# The public port when --port is not given: the demo's URL stays the same from one run to the next.
DEFAULT_PORT = 8700


class PortTaken(Exception):
    """The port asked for with --port is in use."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument("--routing", choices=ROUTINGS, default="subdomain")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"public port (default {DEFAULT_PORT}, or a free one when {DEFAULT_PORT} is taken)",
    )
    parser.add_argument("--workdir", type=Path, default=REPO / ".demo")
    parser.add_argument(
        "--lms-host",
        default=DEFAULT_LMS_HOST,
        help="LMS host name, resolving to this machine (the app is lmsauth.HOST in subdomain mode)",
    )
    return parser.parse_args(argv)


def choose_port(requested: int | None, default: int = DEFAULT_PORT) -> int:
    """The port asked for, else `default`, else (saying so) a free one."""
    if requested is not None:
        if not port_is_free(requested):
            raise PortTaken(f"Port {requested} is in use: choose another --port.")
        return requested
    if port_is_free(default):
        return default
    port = free_port()
    print(
        f"Port {default} is in use, so the demo runs on port {port} this time (or use --port).",
        flush=True,
    )
    return port


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        port = choose_port(args.port)
    except PortTaken as error:
        print(error)
        return 2
    marker = args.workdir / MARKER
    if args.workdir.exists() and any(args.workdir.iterdir()) and not marker.exists():
        # Never empty a folder this demo did not create.
        print(f"{args.workdir} is not empty and is not a demo folder: choose another --workdir.")
        return 2
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    marker.touch()
    print(
        "Rendering the plugin with Tutor and starting the LMS stand-in, the app, JupyterHub "
        "and Caddy..."
    )
    hub = {HUB: jupyterhub_declaration(args.routing)}
    try:
        stack = start(
            args.routing,
            workdir=args.workdir,
            port=port,
            lms_host=args.lms_host,
            config={"LMSAUTH_APPS": hub},
        )
    except KeyboardInterrupt:
        # start() has stopped whatever it had started.
        print("\nInterrupted.", flush=True)
        return 130
    stopping = threading.Event()
    # `kill -USR1 <pid>` prints where each thread is, should the demo ever hang.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    # SIGTERM (e.g. from a process manager) stops the demo as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        print(
            f"\nThe demo is running ({args.routing} routing).\n"
            f"  Open        {stack.url('/')}\n"
            f"  JupyterHub  {stack.apps[HUB].public_url}  (a declared app)\n"
            f"  Sign in as  {stack.learner.username} / {stack.learner.password}\n"
            f"  The LMS     {stack.lms_url}\n"
            f"  Logs        {stack.logs}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        # A timed wait, so that Ctrl-C (SIGINT) is handled promptly.
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping Caddy, the apps and the LMS stand-in...", flush=True)
        stack.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
