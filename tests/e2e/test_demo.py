"""`make demo`: prints where to go and how to sign in, serves both apps, stops cleanly on Ctrl-C;
its port stays the same from run to run, unless that port is taken."""

import contextlib
import re
import signal
import socket
import subprocess
import sys
import time

import requests
import yaml

from devstack.demo import DEFAULT_PORT, choose_port
from devstack.paths import REPO
from devstack.process import free_port

READY_LINE = "Press Ctrl-C to stop."


@contextlib.contextmanager
def port_taken(port: int):
    """`port` in use while the block runs: by us, or by whoever already holds it."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):
            holder.bind(("127.0.0.1", port))
            holder.listen()
        yield


def wait_for_line(process: subprocess.Popen, text: str, timeout: float) -> str:
    output = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output += line
        if text in line:
            return output
    raise AssertionError(f"the demo never printed {text!r}; it printed:\n{output}")


def stopped(process: subprocess.Popen, workdir, timeout: float) -> str:
    """What the demo printed once it exited; should it hang, fail with where its threads were
    and the tail of each server's log."""
    try:
        return process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        time.sleep(2)
        process.kill()
        printed = process.communicate()[0]
        logs = "".join(
            f"\n== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            for log in sorted((workdir / "logs").glob("*.log"))
        )
        raise AssertionError(f"the demo did not stop in {timeout} s:\n{printed}{logs}") from None


def test_demo_prints_urls_and_credentials_serves_both_apps_and_stops_on_ctrl_c(tmp_path):
    workdir = tmp_path / "demo"
    # With its default port taken, the demo says so in one line and takes a free one.
    with port_taken(DEFAULT_PORT):
        process = subprocess.Popen(
            [sys.executable, "-m", "devstack.demo", "--workdir", str(workdir)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            output = wait_for_line(process, READY_LINE, timeout=180)
            url = re.search(r"Open\s+(http://\S+)", output).group(1)
            assert "Sign in as  learner / learner-password" in output
            host, port = re.match(r"http://([^/]+):(\d+)/", url).groups()
            assert [line for line in output.splitlines() if line.startswith("Port ")] == [
                f"Port {DEFAULT_PORT} is in use, so the demo runs on port {port} this time "
                "(or use --port)."
            ]
            # The second app, JupyterHub, answers through the same Caddy.
            hub = re.search(r"JupyterHub\s+(http://\S+)", output).group(1)
            hub_host = re.match(r"http://([^/]+)/", hub).group(1)
            health = requests.get(
                f"http://127.0.0.1:{port}/hub/health", headers={"Host": hub_host}, timeout=10
            )
            assert health.status_code == 200

            # Through Caddy, by the printed host name (Python does not resolve *.localhost here).
            home = requests.get(
                f"http://127.0.0.1:{port}/", headers={"Host": f"{host}:{port}"}, timeout=10
            )
            assert home.status_code == 200
            assert "Sign in" in home.text

            process.send_signal(signal.SIGINT)
            rest = stopped(process, workdir, timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()

    assert process.returncode == 0
    assert rest.rstrip().endswith("Stopped.")
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0, "Caddy still listens"
    config = yaml.safe_load((workdir / "tutor" / "config.yml").read_text(encoding="utf-8"))
    for key in ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY"):
        assert config[key] not in output + rest


def test_demo_refuses_to_empty_a_folder_it_did_not_create(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "devstack.demo", "--workdir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "choose another --workdir" in result.stdout
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_default_port_is_used_when_free(capsys):
    port = free_port()
    assert choose_port(None, default=port) == port
    assert capsys.readouterr().out == ""


def test_a_port_asked_for_and_taken_is_refused(tmp_path):
    port = free_port()
    with port_taken(port):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "devstack.demo",
                "--port",
                str(port),
                "--workdir",
                str(tmp_path),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stdout.strip() == f"Port {port} is in use: choose another --port."
