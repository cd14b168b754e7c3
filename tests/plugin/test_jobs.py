"""What `tutor local launch` and `do init` run for the app, and those scripts run for real.

A fake `docker` records the calls (there is no Docker engine here); the recorded scripts are then
executed as the containers would: the migrations with the app's code and rendered environment,
the MySQL script with the `mysql` client against a real MariaDB server on loopback.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.process import Server, free_port
from devstack.tutor_project import TutorProject
from tests.plugin.conftest import DEFAULT_IMAGE, new_project


def _secrets(project: TutorProject, *, with_mysql_root: bool) -> list[str]:
    config = project.config()
    keys = ["LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY", "LMSAUTH_MYSQL_PASSWORD"]
    # Tutor's own MySQL init job prints the root password; ours must not.
    keys += ["MYSQL_ROOT_PASSWORD"] if with_mysql_root else []
    return [config[key] for key in keys]


@pytest.fixture(scope="module")
def launched(tmp_path_factory) -> TutorProject:
    recorded = new_project(tmp_path_factory, {})
    recorded.tutor("local", "launch", "--non-interactive")
    return recorded


@pytest.fixture(scope="module")
def mysql_init(tmp_path_factory) -> TutorProject:
    recorded = new_project(tmp_path_factory, {"LMSAUTH_DATABASE": "mysql"})
    recorded.tutor("local", "do", "init", "--limit", "lmsauth")
    return recorded


def test_launch_builds_the_app_image_from_the_rendered_context(launched):
    builds = [call for call in launched.calls() if call[:2] == ["buildx", "build"]]
    (build,) = [call for call in builds if f"--tag={DEFAULT_IMAGE}" in call]
    context = Path(build[-1])
    assert context == launched.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth"
    assert (context / "Dockerfile").is_file()
    assert (context / "app" / "manage.py").is_file()


def test_launch_prints_the_app_url(launched):
    assert "http://lmsauth.local.openedx.io\n" in launched.output


def test_init_creates_the_database_before_migrating(launched):
    services = [service for service, _ in launched.jobs()]
    assert services.index("lmsauth-mysql-job") < services.index("lmsauth-job")
    assert launched.script("lmsauth-job").strip() == "python manage.py migrate --noinput"
    assert "SQLite mode" in launched.script("lmsauth-mysql-job")


def test_job_scripts_are_rendered_when_they_run_not_into_the_env_folder(launched):
    rendered = launched.env_dir / "plugins" / "lmsauth"
    assert sorted(path.name for path in rendered.iterdir()) == ["apps", "build", "k8s"]


@pytest.mark.parametrize("which", ["launched", "mysql_init"])
def test_no_secret_reaches_the_output_or_a_command_line(request, which):
    recorded = request.getfixturevalue(which)
    calls = json.dumps(recorded.calls())
    for secret in _secrets(recorded, with_mysql_root=which == "mysql_init"):
        assert secret not in recorded.output
        assert secret not in calls


def test_the_app_source_is_copied_verbatim(launched):
    repo_app = Path(__file__).resolve().parents[2] / "app"
    copied = launched.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth" / "app"
    templates = [p for p in repo_app.rglob("*.html") if "__pycache__" not in p.parts]
    assert templates, "the app has Django templates"
    for template in templates:
        # Django's {{ }} and {% %} survive: Jinja never rendered them.
        assert (copied / template.relative_to(repo_app)).read_bytes() == template.read_bytes()
    assert not list(copied.rglob("__pycache__"))


def test_a_file_removed_from_the_app_leaves_the_build_context(tmp_path_factory):
    project = new_project(tmp_path_factory, {})
    stale = project.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth" / "app" / "stale.py"
    stale.write_text("gone = True\n", encoding="utf-8")
    project.save()
    assert not stale.exists()


def test_the_migration_job_migrates_with_the_rendered_environment(launched, tmp_path):
    """The job's script, in the app folder the image is built from, with its env file."""
    project = launched
    app_dir = project.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth" / "app"
    database = tmp_path / "lmsauth.sqlite3"
    env = {
        **os.environ,
        **project.app_env(),
        "LMSAUTH_DATABASE_URL": f"sqlite:///{database}",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    script = launched.script("lmsauth-job").replace("python ", f"{sys.executable} ", 1)
    result = subprocess.run(
        ["sh", "-e", "-c", script], cwd=app_dir, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(database) as connection:
        applied = connection.execute("SELECT app FROM django_migrations").fetchall()
    assert ("sessions",) in applied
    assert ("profiles",) in applied


# MySQL mode, against a real MariaDB server


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory, mysql_init):
    """A MariaDB server on a free loopback port, whose root password is the project's."""
    folder = tmp_path_factory.mktemp("mariadb")
    datadir, socket = folder / "data", folder / "mysqld.sock"
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = Server(
        "mariadb",
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={socket}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            "--skip-log-bin",
        ],
        env=os.environ,
        cwd=folder,
        log_path=folder / "mariadbd.log",
    )
    try:
        root_password = mysql_init.config()["MYSQL_ROOT_PASSWORD"]
        deadline = time.monotonic() + 30
        while subprocess.run(
            ["mysql", f"--socket={socket}", "-uroot", "-e", "SELECT 1"], capture_output=True
        ).returncode:
            assert server.process.poll() is None and time.monotonic() < deadline, server.log_tail()
            time.sleep(0.2)
        # As Tutor's MySQL container does from MYSQL_ROOT_PASSWORD (here over stdin, not argv).
        subprocess.run(
            ["mysql", f"--socket={socket}", "-uroot"],
            input=f"CREATE USER 'root'@'%' IDENTIFIED BY '{root_password}';"
            "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
            f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{root_password}';",
            text=True,
            check=True,
        )
        yield {"port": port, "socket": socket}
    finally:
        server.stop()


def _run_mysql_job(recorded: TutorProject, port: int, overrides: dict[str, str] | None = None):
    """The recorded script with the job's env file, MySQL reached on loopback."""
    env = dict(os.environ)
    text = recorded.read("plugins", "lmsauth", "apps", "mysql.env")
    env.update(line.split("=", 1) for line in text.splitlines() if "=" in line)
    env.update({"LMSAUTH_MYSQL_HOST": "127.0.0.1", "LMSAUTH_MYSQL_PORT": str(port)})
    env.update(overrides or {})
    script = recorded.script("lmsauth-mysql-job")
    return subprocess.run(["sh", "-e", "-c", script], env=env, capture_output=True, text=True)


def _login(port: int, user: str, password: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["mysql", "-h127.0.0.1", f"-P{port}", f"-u{user}", database, "-e", "SELECT 1"],
        env={**os.environ, "MYSQL_PWD": password},
        capture_output=True,
        text=True,
    )


def test_the_mysql_job_creates_database_and_user_idempotently(mysql_init, mariadb):
    config = mysql_init.config()
    for _ in range(2):
        result = _run_mysql_job(mysql_init, mariadb["port"])
        assert result.returncode == 0, result.stderr
        assert "database lmsauth and user lmsauth are ready" in result.stdout
    login = _login(mariadb["port"], "lmsauth", config["LMSAUTH_MYSQL_PASSWORD"], "lmsauth")
    assert login.returncode == 0, login.stderr
    for secret in _secrets(mysql_init, with_mysql_root=True):
        assert secret not in result.stdout + result.stderr


def test_a_changed_mysql_password_is_applied(mysql_init, mariadb):
    result = _run_mysql_job(mysql_init, mariadb["port"], {"LMSAUTH_MYSQL_PASSWORD": "Changed123"})
    assert result.returncode == 0, result.stderr
    assert _login(mariadb["port"], "lmsauth", "Changed123", "lmsauth").returncode == 0
    # Back to the configured password for the other tests.
    assert _run_mysql_job(mysql_init, mariadb["port"]).returncode == 0


def test_the_mysql_job_fails_clearly_with_a_wrong_root_password(mysql_init, mariadb):
    result = _run_mysql_job(mysql_init, mariadb["port"], {"LMSAUTH_MYSQL_ROOT_PASSWORD": "wrong"})
    assert result.returncode != 0
    assert "MySQL refused the root credentials" in result.stderr
    assert "wrong" not in result.stderr


def test_the_app_migrates_into_mysql(mysql_init, mariadb):
    pytest.importorskip("pymysql")
    project = mysql_init
    config = project.config()
    app_dir = project.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth" / "app"
    url = project.app_env()["LMSAUTH_DATABASE_URL"].replace(
        "@mysql:3306/", f"@127.0.0.1:{mariadb['port']}/"
    )
    assert _run_mysql_job(mysql_init, mariadb["port"]).returncode == 0
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=app_dir,
        env={**os.environ, **project.app_env(), "LMSAUTH_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tables = subprocess.run(
        [
            "mysql",
            "-h127.0.0.1",
            f"-P{mariadb['port']}",
            "-ulmsauth",
            "lmsauth",
            "-e",
            "SHOW TABLES",
        ],
        env={**os.environ, "MYSQL_PWD": config["LMSAUTH_MYSQL_PASSWORD"]},
        capture_output=True,
        text=True,
    )
    assert "django_session" in tables.stdout


def test_dev_launch_builds_the_image_and_prints_the_dev_url(tmp_path_factory):
    recorded = new_project(tmp_path_factory, {})
    output = recorded.tutor("dev", "launch", "--non-interactive")
    assert "http://lmsauth.local.openedx.io:8790\n" in output
    builds = [call for call in recorded.calls() if call[:2] == ["buildx", "build"]]
    assert any(f"--tag={DEFAULT_IMAGE}" in call for call in builds)
    runs = [call for call in recorded.calls() if "run" in call and "lmsauth-job" in call]
    # The dev file set (with the dev job overrides) is the one the job runs with.
    assert any(arg.endswith("/dev/docker-compose.jobs.yml") for arg in runs[0])


def test_the_mysql_job_gives_up_on_an_unreachable_server(mysql_init, tmp_path):
    # A `sleep` that returns at once: the job's ten waits take no time here.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "sleep").write_text('#!/bin/sh\necho "$@" >> "$0.calls"\n')
    (fake_bin / "sleep").chmod(0o755)
    result = _run_mysql_job(
        mysql_init, free_port(), {"PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}
    )
    assert result.returncode == 1
    assert "is unreachable" in result.stderr
    assert result.stdout.count("lmsauth: waiting for MySQL") == 9
    assert (fake_bin / "sleep.calls").read_text().split() == ["10"] * 9
