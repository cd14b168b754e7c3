"""The image's build context as Tutor renders it: Dockerfile, helper scripts, the app's source."""

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from devstack.paths import APP_DIR as REPO_APP
from devstack.process import free_port
from devstack.tutor_project import LMS_HOST
from tests.plugin.conftest import DECLARED_APPS, new_project
from tutorplugin.__about__ import __version__
from tutorplugin.images import is_pullable


def _context(project) -> Path:
    return project.env_dir / "plugins" / "lmsauth" / "build" / "lmsauth"


def _stages(dockerfile: str) -> list[list[str]]:
    """Instructions of each stage (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n\s*", " ", dockerfile)
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_image_runs_gunicorn_as_a_non_root_user_with_a_healthcheck(default):
    stages = _stages((_context(default) / "Dockerfile").read_text())
    assert stages[0][0] == "FROM python:3.12-slim AS python"
    final = stages[-1]
    users = [line for line in final if line.startswith("USER ")]
    assert users and users[-1] != "USER root"
    assert final.index(users[-1]) < len(final) - 1
    assert final[-1] == 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "identifier.wsgi"]'
    assert "WORKDIR /app" in final
    assert any(line.startswith("HEALTHCHECK ") for line in final)
    # No secret handed to the build, and no runtime setting baked into the image.
    assert not [line for line in final if line.startswith(("ARG LMSAUTH", "ENV LMSAUTH"))]


def test_the_app_requirements_are_pinned(default):
    app = _context(default) / "app"
    for name in ("requirements.txt", "requirements-mysql.txt"):
        for line in (app / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-r "):
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), line


def test_no_secret_in_the_build_context(each_project):
    config = each_project.config()
    secrets = [config[key] for key in config if key.endswith(("SECRET", "SECRET_KEY", "PASSWORD"))]
    secrets += [
        config["JWT_RSA_PRIVATE_KEY"].splitlines()[1],
        config["LMSAUTH_EXTRA_CLIENTS_MASTER_KEY"],
    ]
    for path in _context(each_project).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not [s for s in secrets if s and s.encode() in content], path


def test_static_files_are_collected_at_build_time(default, tmp_path):
    """The Dockerfile's collectstatic step, run on the build context the way the image does."""
    build = shutil.copytree(_context(default), tmp_path / "build")
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMSAUTH_")}
    # The script runs `python`, as in the image: this interpreter's own folder has one (a
    # virtualenv's `bin`), so the app's requirements are found there and not in the machine's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        ["sh", str(build / "collectstatic.sh")],
        cwd=build / "app",
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    collected = list((build / "app" / "staticfiles").rglob("*.css"))
    assert collected


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200
    hosts: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).hosts.append(self.headers["Host"])
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Health.hosts.clear()
    yield port
    server.shutdown()
    server.server_close()


def _healthcheck(default, port: int) -> int:
    script = _context(default) / "healthcheck.py"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"0.0.0.0:{port}",
        "LMSAUTH_PUBLIC_URL": "http://lmsauth.local.openedx.io",
    }
    return subprocess.run([sys.executable, str(script)], env=env, timeout=30).returncode


def test_the_healthcheck_asks_for_the_public_host(default, health_server):
    _Health.status = 200
    assert _healthcheck(default, health_server) == 0
    assert _Health.hosts == ["lmsauth.local.openedx.io"]


def test_the_healthcheck_fails_on_an_error_or_no_server(default, health_server):
    _Health.status = 503
    assert _healthcheck(default, health_server) == 1
    assert _healthcheck(default, free_port()) == 1


def _app_volumes(project, host_path: Path) -> dict[str, list[str]]:
    """The volumes of the app's services that come from `host_path`, in local and dev."""
    found = {}
    for mode in ("local", "dev"):
        services = project.compose(mode)["services"]
        for service in ("lmsauth", "lmsauth-job"):
            volumes = services[service].get("volumes", [])
            found[f"{mode} {service}"] = [v for v in volumes if v.startswith(f"{host_path}:")]
    return found


def _build_contexts(project) -> list[str]:
    project.tutor("images", "build", "lmsauth")
    (build,) = [call for call in project.calls() if call[:2] == ["buildx", "build"]]
    return [arg for arg in build if arg.startswith("--build-context=")]


def test_the_bundled_app_folder_is_mounted_in_dev_and_for_builds(tmp_path_factory):
    """`tutor mounts add ./app` in a checkout of this repository."""
    project = new_project(tmp_path_factory, {})
    project.tutor("mounts", "add", str(REPO_APP))
    assert set(map(tuple, _app_volumes(project, REPO_APP).values())) == {(f"{REPO_APP}:/app:z",)}
    assert _build_contexts(project) == [f"--build-context=lmsauth-src={REPO_APP}"]
    # The stage it replaces is where the Dockerfile takes the app's source from.
    assert "FROM scratch AS lmsauth-src" in (_context(project) / "Dockerfile").read_text()


@pytest.mark.parametrize("name", ["app", "frontend"])
def test_another_folder_is_not_mounted_whatever_its_name(tmp_path_factory, name):
    # Another project's folder, even one named `app` with a manage.py of its own.
    other = tmp_path_factory.mktemp("checkout") / name
    (other / "mysite").mkdir(parents=True)
    (other / "manage.py").write_text("# another Django project\n")
    (other / "mysite" / "settings.py").write_text("DEBUG = False\n")
    project = new_project(tmp_path_factory, {})
    project.tutor("mounts", "add", str(other))
    assert set(map(tuple, _app_volumes(project, other).values())) == {()}
    assert _build_contexts(project) == []


REGISTRY_IMAGE = f"registry.example.com/lmsauth:{__version__}"


def _images(project, verb: str) -> list[str]:
    """The images `docker pull` or `docker push` was called with."""
    return [call[1] for call in project.calls() if call[:1] == [verb]]


def _pull_policies(project) -> dict[str, str | None]:
    """pull_policy of the services, as rendered (`tutor dev` runs these same definitions).

    Read from the files: docker-compose 1.29, which validates them in other tests, drops
    pull_policy when it merges several files.
    """
    policies = {}
    for name, service in [("docker-compose.yml", "lmsauth"), ("docker-compose.yml", "lms")] + [
        ("docker-compose.jobs.yml", "lmsauth-job")
    ]:
        services = yaml.safe_load(project.read("local", name))["services"]
        policies[service] = services[service].get("pull_policy")
    return policies


def test_the_default_image_is_built_here_and_never_pulled_or_pushed(tmp_path_factory):
    recorded = new_project(tmp_path_factory, {})
    recorded.tutor("images", "pull", "all")
    recorded.tutor("images", "push", "all")
    assert _images(recorded, "pull") and _images(recorded, "push")  # Tutor's own images
    assert not [image for image in _images(recorded, "pull") if "lmsauth" in image]
    assert not [image for image in _images(recorded, "push") if "lmsauth" in image]
    # Asked for by name, Tutor says there is no such image to pull.
    outcome = recorded.run("images", "pull", "lmsauth")
    assert outcome.returncode != 0
    assert "Image 'lmsauth' could not be found" in outcome.output
    # `docker compose pull` (what `launch --pullimages` runs) skips the app's services only.
    assert _pull_policies(recorded) == {"lmsauth": "never", "lmsauth-job": "never", "lms": None}


def test_launch_pullimages_succeeds_with_the_default_image(tmp_path_factory):
    recorded = new_project(tmp_path_factory, {})
    recorded.tutor("local", "launch", "--non-interactive", "--pullimages")
    calls = recorded.calls()
    (build,) = [call for call in calls if call[:2] == ["buildx", "build"]]
    assert f"--tag=lmsauth:{__version__}" in build
    pulls = [call for call in calls if call[:1] == ["compose"] and "pull" in call]
    # One `docker compose pull` of the whole project, after the build: compose reads each
    # service's pull_policy (checked above), and no image is pulled by name.
    assert len(pulls) == 1 and pulls[0][-1] == "pull"
    assert calls.index(pulls[0]) > calls.index(build)
    assert _images(recorded, "pull") == []


def test_an_image_in_a_registry_is_built_pushed_and_pulled(tmp_path_factory):
    recorded = new_project(tmp_path_factory, {"LMSAUTH_DOCKER_IMAGE": REGISTRY_IMAGE})
    recorded.tutor("images", "build", "lmsauth")
    recorded.tutor("images", "push", "lmsauth")
    recorded.tutor("images", "pull", "all")
    (build,) = [call for call in recorded.calls() if call[:2] == ["buildx", "build"]]
    assert f"--tag={REGISTRY_IMAGE}" in build
    assert _images(recorded, "push") == [REGISTRY_IMAGE]
    assert REGISTRY_IMAGE in _images(recorded, "pull")
    assert set(_pull_policies(recorded).values()) == {None}


def test_declared_apps_images_in_a_registry_are_pulled_never_pushed(tmp_path_factory):
    """notebooks runs registry.example.com/notebooks:1; grades runs grades:2, built here."""
    recorded = new_project(tmp_path_factory, {"LMS_HOST": LMS_HOST, "LMSAUTH_APPS": DECLARED_APPS})
    recorded.tutor("images", "pull", "all")
    recorded.tutor("images", "pull", "notebooks")
    recorded.tutor("images", "push", "all")
    pulled = [image for image in _images(recorded, "pull") if "lmsauth" not in image]
    assert [image for image in pulled if "notebooks" in image or "grades" in image] == [
        "registry.example.com/notebooks:1"
    ] * 2
    assert not [image for image in _images(recorded, "push") if "notebooks" in image]
    services = yaml.safe_load(recorded.read("local", "docker-compose.yml"))["services"]
    assert services["grades"]["pull_policy"] == "never"
    assert "pull_policy" not in services["notebooks"]


@pytest.mark.parametrize(
    ("image", "pullable"),
    [
        ("lmsauth:22.0.0", False),
        ("docker.io/lmsauth:22.0.0", False),
        ("docker.io/library/lmsauth:22.0.0", False),
        ("library/lmsauth", False),
        ("registry.example.com/lmsauth:22.0.0", True),
        ("registry.example.com/team/lmsauth:22.0.0", True),
        ("localhost:5000/lmsauth", True),
        ("myorg/lmsauth:1.0", True),
        ("docker.io/myorg/lmsauth:1.0", True),
    ],
)
def test_which_names_live_in_a_registry(image, pullable):
    assert is_pullable(image) is pullable
