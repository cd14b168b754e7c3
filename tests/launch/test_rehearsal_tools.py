"""The rehearsal's own tools, without containers: the docker shim, the compose translation,
the podman wrapper for podman-compose, the Open edX stand-in's check of Tutor's files and the
stand-ins the images' bases resolve to."""

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from devstack.declared_apps import JUPYTERHUB_EXAMPLE
from devstack.launch import compose_files, host, standin_images
from devstack.launch.rehearsal import Platform
from devstack.paths import REPO

LAUNCH = host.HERE


def load_script(path: Path):
    """Import an executable script that has no .py suffix."""
    loader = importlib.machinery.SourceFileLoader(path.name.replace("-", "_"), str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run_shim(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    log = tmp_path / "calls.jsonl"
    env = {**os.environ, "LMSAUTH_LAUNCH_DOCKER_LOG": str(log)}
    return subprocess.run(
        [sys.executable, str(LAUNCH / "bin" / "docker"), *args],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("command", [["pull", "docker.io/overhangio/openedx"], ["push", "x"]])
def test_shim_refuses_registry_commands_and_records_them(tmp_path, command):
    result = run_shim(*command, tmp_path=tmp_path)
    assert result.returncode == 1
    assert f"refusing 'docker {command[0]}'" in result.stderr
    assert json.loads((tmp_path / "calls.jsonl").read_text()) == command


def test_shim_builds_with_podman_without_registry_cache():
    shim = load_script(LAUNCH / "bin" / "docker")
    args = shim.build_args(
        [
            "--tag=docker.io/lmsauth:1.0.0",
            "--output=type=docker",
            "--cache-from=type=registry,ref=docker.io/lmsauth:1.0.0-cache",
            "--build-context=lmsauth-src=/src/app",
            "/root/env/plugins/lmsauth/build/lmsauth",
        ]
    )
    assert args == [
        "podman",
        "build",
        "--pull=never",
        "--format=docker",
        "--tag=docker.io/lmsauth:1.0.0",
        "--build-context=lmsauth-src=/src/app",
        "/root/env/plugins/lmsauth/build/lmsauth",
    ]


def test_shim_finds_the_compose_subcommand_after_tutors_options():
    shim = load_script(LAUNCH / "bin" / "docker")
    args = ["-f", "a.yml", "-f", "b.yml", "--project-name", "tutor_local", "run", "--rm", "ls"]
    assert shim.subcommand(args) == "run"
    assert shim.subcommand(["-f", "a.yml", "--project-name=p", "ls", "--format", "json"]) == "ls"


def write_compose(folder: Path, env_text: str) -> Path:
    (folder / "apps").mkdir(exist_ok=True)
    (folder / "apps" / "app.env").write_text(env_text)
    (folder / "local").mkdir(exist_ok=True)
    compose = folder / "local" / "docker-compose.yml"
    compose.write_text(
        "services:\n"
        "  lms:\n"
        "    volumes:\n"
        "      - ../apps/openedx/config:/openedx/config:roz\n"
        "      - ../../data/lms:/openedx/data:z\n"
        "  app:\n"
        "    env_file:\n"
        "      - ../apps/app.env\n"
    )
    return compose


def test_translation_rewrites_roz_and_keeps_relative_paths(tmp_path):
    compose = write_compose(tmp_path, "A=1\n")
    translated = yaml.safe_load(compose_files.translate(compose).read_text())
    assert translated["services"]["lms"]["volumes"] == [
        "../apps/openedx/config:/openedx/config:ro,z",
        "../../data/lms:/openedx/data:z",
    ]
    assert compose_files.translate(compose).parent == compose.parent


def test_translation_labels_change_with_the_env_file_content(tmp_path):
    compose = write_compose(tmp_path, "LMSAUTH_PUBLIC_URL=http://lmsauth.local.openedx.io\n")
    before = yaml.safe_load(compose_files.translate(compose).read_text())["services"]["app"]
    write_compose(tmp_path, "LMSAUTH_PUBLIC_URL=http://signin.local.openedx.io\n")
    after = yaml.safe_load(compose_files.translate(compose).read_text())["services"]["app"]
    assert before["labels"] != after["labels"]
    services = yaml.safe_load(compose_files.translate(compose).read_text())["services"]
    assert "labels" not in services["lms"]


def test_podman_wrapper_counts_an_exited_dependency_as_started(tmp_path):
    fake = tmp_path / "podman"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    wrapper = [sys.executable, str(LAUNCH / "compose-podman")]
    waited = subprocess.run(
        [*wrapper, "wait", "--condition=running", "p_permissions_1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert waited.stdout.split() == [
        "wait",
        "--condition=running",
        "--condition=exited",
        "p_permissions_1",
    ]
    other = subprocess.run(
        [*wrapper, "start", "p_lms_1"], env=env, capture_output=True, text=True, check=True
    )
    assert other.stdout.split() == ["start", "p_lms_1"]


def test_openedx_standin_stops_without_a_signing_key(tmp_path):
    standin = load_script(LAUNCH / "images" / "openedx" / "openedx-standin")
    settings = tmp_path / "production.py"
    settings.write_text("JWT_AUTH = {}\n")
    with pytest.raises(SystemExit, match="no JWT_PRIVATE_SIGNING_JWK"):
        standin.require_signing_key(settings)


def test_only_the_images_a_dockerfile_pulls_are_its_bases(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM --platform=linux/amd64 python:3.12-slim AS python\n"
        "FROM scratch AS src\n"
        "FROM python AS production\n"
        "FROM docker.io/library/debian\n"
    )
    assert standin_images.dockerfile_bases(dockerfile) == [
        "python:3.12-slim",
        "docker.io/library/debian",
    ]


def test_the_hub_is_built_the_way_its_readme_says_for_a_debian_12_base():
    """The Python stand-in is Debian 12: the hub's README names the build argument it needs."""
    readme = (JUPYTERHUB_EXAMPLE / "README.md").read_text(encoding="utf-8")
    dockerfile = (JUPYTERHUB_EXAMPLE / "Dockerfile").read_text(encoding="utf-8")
    python = (REPO / "devstack/launch/images/python/Dockerfile").read_text(encoding="utf-8")
    assert "debian:bookworm" in python
    for arg in standin_images.HUB_BUILD_ARGS:
        assert f"--build-arg {arg}" in readme
        assert f"ARG {arg.split('=')[0]}=" in dockerfile


def test_platform_progress_lines_leave_setting_values_out(tmp_path, capsys):
    """The naive rotation in bench/rotation.py saves a new client secret through this."""
    secret = "launch-progress-secret-value"
    env = {**os.environ, "TUTOR_ROOT": str(tmp_path), "TUTOR_PLUGINS_ROOT": str(tmp_path)}
    platform = Platform(tmp_path, env, port=0, project="unused", outputs=[])
    platform.tutor("config", "save", "--set", f"LMSAUTH_CLIENT_SECRET={secret}")
    progress = capsys.readouterr().out
    assert "launch: tutor config save --set LMSAUTH_CLIENT_SECRET " in progress
    assert secret not in progress + "".join(platform.outputs)


FAKE_PODMAN = """#!/bin/sh
# Records its arguments; `--runtime NAME run ...` fails for the runtimes in $FAKE_BROKEN.
echo "$@" >> "$FAKE_PODMAN_LOG"
if [ "$1" = "--runtime" ]; then
    case " $FAKE_BROKEN " in
        *" $2 "*)
            echo 'time="now" level=warning msg="a warning podman prints first"' >&2
            echo "Error: OCI runtime error: $2: cgroups in hybrid mode not supported" >&2
            exit 126
            ;;
    esac
fi
exit 0
"""


@pytest.fixture
def fake_podman(tmp_path, monkeypatch):
    """A `podman` first on PATH whose runtimes fail as listed in FAKE_BROKEN; a private cache."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("podman", FAKE_PODMAN), ("crun", "#!/bin/sh\n"), ("runc", "#!/bin/sh\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "podman-calls"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PODMAN_LOG", str(log))
    monkeypatch.setenv("LMSAUTH_LAUNCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(host.RUNTIME_VARIABLE, raising=False)
    return log


def test_runc_is_chosen_where_crun_cannot_start_a_container(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_BROKEN", "crun")
    repository_conf = (LAUNCH / "containers.conf").read_text()
    assert host.choose_runtime(install=pytest.fail) == "runc"
    runs = [line.split()[:2] for line in fake_podman.read_text().splitlines() if " run " in line]
    assert runs[0] == ["--runtime", "crun"] and runs[-1] == ["--runtime", "runc"]
    # The choice lands in the rehearsal's own settings, which podman is pointed at.
    env = host.environment()
    conf = Path(env["CONTAINERS_CONF"])
    assert conf.is_relative_to(host.cache_dir())
    assert conf.read_text().endswith('[engine]\nruntime = "runc"\n')
    assert (LAUNCH / "containers.conf").read_text() == repository_conf


def test_a_missing_runtime_is_installed_before_it_is_tried(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_BROKEN", "crun")
    monkeypatch.setattr(host, "_find", lambda command: None)
    installed = []
    assert host.choose_runtime(install=installed.append) == "runc"
    assert installed == [["crun"], ["runc"]]


def test_one_line_says_what_to_do_when_no_runtime_works(fake_podman, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_BROKEN", "crun runc")
    monkeypatch.setattr(host, "missing_debian_packages", list)
    monkeypatch.setattr(host, "missing_python_packages", list)
    assert host.main(["host", "setup"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("launch: no container runtime works on this host (crun: Error: OCI")
    assert "runc: Error: OCI runtime error: runc" in line
    assert "pytest -m 'not launch'" in line
    assert not (host.cache_dir() / "containers.conf").exists()


def test_a_forced_runtime_is_the_only_one_tried(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_BROKEN", "crun")
    monkeypatch.setenv(host.RUNTIME_VARIABLE, "crun")
    with pytest.raises(host.RuntimeUnavailable, match=r"\(crun: Error: OCI runtime error"):
        host.choose_runtime(install=pytest.fail)
    assert "--runtime runc" not in fake_podman.read_text()
