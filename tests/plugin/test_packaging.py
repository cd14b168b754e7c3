"""The plugin as users install it: a wheel, or `pip install -e .`, in a virtualenv of its own.

The virtualenv borrows Tutor and its dependencies from this interpreter's site-packages (through
a .pth line, which does not run that folder's own .pth files, so this checkout's editable install
stays out of it); the plugin itself comes only from what pip installed.
"""

import email
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["setup.py", "LICENSE", "tutorplugin", "patches", "templates", "app"]


# What a developer's working tree holds after running the app and its tests: none of it may reach
# a wheel or an image.
LITTER = ["__pycache__/x.cpython-311.pyc", "db.sqlite3", "staticfiles/site.css", "debug.log"]
LITTERED = ["app", "templates/lmsauth"]


def _copy_sources(destination: Path) -> Path:
    """The files a release is built from, as a working tree holds them: with caches, local
    databases, collected static files and logs in app/ and templates/."""
    destination.mkdir(exist_ok=True)
    for name in SHIPPED + ["README.md"]:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("*.egg-info"))
        elif source.exists():
            shutil.copy2(source, destination / name)
    for folder in LITTERED:
        for litter in LITTER:
            path = destination / folder / litter
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("left over by a developer's run\n", encoding="utf-8")
    return destination


def _litter_in(names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if "__pycache__/" in name
        or "staticfiles/" in name
        or name.endswith((".pyc", ".sqlite3", ".log"))
    ]


def _virtualenv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "borrowed-tutor.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return python


def _pip_install(python: Path, *args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            *args,
        ],
        check=True,
        capture_output=True,
    )


def _render(python: Path, root: Path) -> tuple[str, Path]:
    root.mkdir()
    (root / "config.yml").write_text(yaml.safe_dump({"PLUGINS": ["lmsauth"]}), encoding="utf-8")
    env = {**os.environ, "TUTOR_ROOT": str(root), "TUTOR_PLUGINS_ROOT": "/nonexistent"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(python), "-c", "from tutor.commands.cli import main; main()", "config", "save"],
        env=env,
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + result.stderr, root / "env"


def _where_is_the_plugin(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, tutorplugin.paths as p;"
        "print(json.dumps({'module': p.__file__, 'patches': str(p.PATCHES_DIR),"
        " 'app': str(p.data_dir('app')),"
        " 'dist': str(m.distribution('tutor-lmsauth').locate_file(''))}))"
    )
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, cwd="/"
    )
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    sources = _copy_sources(tmp_path_factory.mktemp("sources"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(sources),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = dist.glob("tutor_lmsauth-*.whl")
    return path


def test_the_wheel_ships_patches_templates_and_app(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for expected in [
        "tutorplugin/plugin.py",
        "tutorplugin/rotation/bundled_secret.py",
        "tutorplugin/patches/caddyfile",
        "tutorplugin/templates/lmsauth/apps/lmsauth.env",
        "tutorplugin/templates/lmsauth/build/lmsauth/Dockerfile",
        "tutorplugin/app/manage.py",
        "tutorplugin/app/requirements.txt",
    ]:
        assert expected in names
    assert _litter_in(names) == []
    entry_points = [name for name in names if name.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points[0]).decode()
    assert "[tutor.plugin.v1]\nlmsauth = tutorplugin.plugin" in text
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    fields = email.message_from_bytes(zipfile.ZipFile(wheel).read(metadata))
    assert fields.get_all("Requires-Dist") == ["tutor<23.0.0,>=22.0.0"]
    # Versioned like Tutor (22.x.y for Tutor 22), on the Pythons Tutor itself runs on.
    tutor = importlib.metadata.metadata("tutor")
    assert fields["Version"].split(".")[0] == tutor["Version"].split(".")[0]
    assert fields["Requires-Python"] == tutor["Requires-Python"]
    assert fields["License"] == tutor["License"] == "AGPL-3.0-only"
    license_file = metadata.replace("METADATA", "licenses/LICENSE")
    assert zipfile.ZipFile(wheel).read(license_file) == (REPO / "LICENSE").read_bytes()


@pytest.mark.parametrize("mode", ["wheel", "editable"])
def test_installed_plugin_renders(request, tmp_path, mode):
    python = _virtualenv(tmp_path / "venv")
    if mode == "wheel":
        _pip_install(python, str(request.getfixturevalue("wheel")))
        installed_under = tmp_path / "venv"
    else:
        checkout = _copy_sources(tmp_path / "checkout")
        _pip_install(python, "-e", str(checkout))
        installed_under = checkout
    where = _where_is_the_plugin(python)
    # The plugin and its data folders come from this installation, nowhere else.
    for key in ("patches", "app"):
        assert Path(where[key]).is_relative_to(installed_under), where
    if mode == "wheel":
        assert Path(where["module"]).is_relative_to(tmp_path / "venv")
        assert Path(where["dist"]).is_relative_to(tmp_path / "venv")

    output, env = _render(python, tmp_path / "tutor-root")
    assert "Failed to enable plugin" not in output
    assert (env / "plugins" / "lmsauth" / "apps" / "lmsauth.env").is_file()
    context = env / "plugins" / "lmsauth" / "build"
    assert (context / "lmsauth" / "app" / "manage.py").is_file()
    # Nor does a working tree's litter reach the image's build context.
    assert _litter_in([str(path.relative_to(env)) for path in context.rglob("*")]) == []
    assert "lmsauth:8000" in (env / "apps" / "caddy" / "Caddyfile").read_text()
