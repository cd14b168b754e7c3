"""A throwaway MariaDB server on loopback for the app's MySQL mode (Debian's mariadb-server)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .process import free_port

BINARIES = ("mariadb-install-db", "mariadbd", "mariadb")


def missing_binaries() -> list[str]:
    found = {
        name: shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
        for name in BINARIES
    }
    return [name for name, path in found.items() if not path]


def _binary(name: str) -> str:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")


@dataclass
class MariaDB:
    workdir: Path
    port: int
    process: subprocess.Popen

    @property
    def socket(self) -> Path:
        return self.workdir / "mysqld.sock"

    def sql(self, statement: str) -> str:
        result = subprocess.run(
            [
                _binary("mariadb"),
                "--no-defaults",
                f"--socket={self.socket}",
                "-uroot",
                "-e",
                statement,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise RuntimeError(f"mariadb: {result.stderr}")
        return result.stdout

    def create_database(self, name: str, user: str, password: str) -> str:
        """A database and a user that may use it over TCP; returns its mysql:// URL."""
        self.sql(
            f"CREATE DATABASE {name} CHARACTER SET utf8mb4;"
            f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';"
            f"GRANT ALL ON {name}.* TO '{user}'@'127.0.0.1';"
        )
        return f"mysql://{user}:{password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextlib.contextmanager
def running_mariadb(workdir: Path):
    data = workdir / "data"
    subprocess.run(
        [
            _binary("mariadb-install-db"),
            "--no-defaults",
            f"--datadir={data}",
            "--user=root",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    log = (workdir / "mariadbd.log").open("ab")
    process = subprocess.Popen(
        [
            _binary("mariadbd"),
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={workdir / 'mysqld.sock'}",
            f"--pid-file={workdir / 'mysqld.pid'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=32M",
            "--skip-name-resolve",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = MariaDB(workdir, port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError((workdir / "mariadbd.log").read_text()[-3000:])
            with contextlib.suppress(RuntimeError):
                server.sql("SELECT 1")
                break
            if time.monotonic() > deadline:
                raise RuntimeError("MariaDB did not start in 60 s")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
        log.close()
