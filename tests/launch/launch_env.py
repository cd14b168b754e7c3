"""The environment of the launch rehearsal: tools, podman settings, a persistent image cache.

Usage, from the repository: `python -m tests.launch.launch_env check|setup`. `check` lists what
is missing; `setup` installs it (Debian packages through apt-get), quick when nothing is missing.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIM_DIR = HERE / "bin"

# Debian package of each command the rehearsal runs. podman-compose comes from PyPI
# (requirements/test.txt): Debian's is too old for the compose files Tutor renders.
DEBIAN_PACKAGES = {
    "podman": "podman",
    "debootstrap": "debootstrap",
    "netavark": "netavark",
    "aardvark-dns": "aardvark-dns",
}
PYTHON_COMMANDS = {"podman-compose": "podman-compose"}


def cache_dir() -> Path:
    """Where images survive between runs: $LMSAUTH_LAUNCH_CACHE, else the user's cache folder."""
    if os.environ.get("LMSAUTH_LAUNCH_CACHE"):
        return Path(os.environ["LMSAUTH_LAUNCH_CACHE"]).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lmsauth-launch"


def _find(command: str) -> str | None:
    # Commands installed into the interpreter's environment come first (a virtualenv's bin).
    local = Path(sys.executable).parent / command
    if local.exists():
        return str(local)
    for folder in ("/usr/lib/podman", "/usr/libexec/podman"):
        if command in ("netavark", "aardvark-dns") and Path(folder, command).exists():
            return str(Path(folder, command))
    return shutil.which(command)


def missing_debian_packages() -> list[str]:
    return [package for command, package in DEBIAN_PACKAGES.items() if not _find(command)]


def missing_python_packages() -> list[str]:
    return [package for command, package in PYTHON_COMMANDS.items() if not _find(command)]


def storage_conf() -> Path:
    """Write (once) the storage settings that keep podman's images in the cache folder."""
    root = cache_dir()
    path = root / "storage.conf"
    text = (
        "[storage]\n"
        'driver = "overlay"\n'
        f'graphroot = "{root / "storage"}"\n'
        f'runroot = "{root / "run"}"\n'
    )
    if not path.exists() or path.read_text() != text:
        root.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The variables every podman, podman-compose, docker-shim and tutor call runs with."""
    env = dict(os.environ if base is None else base)
    env["CONTAINERS_CONF"] = str(HERE / "containers.conf")
    env["CONTAINERS_STORAGE_CONF"] = str(storage_conf())
    # The shim must win over any real `docker`; the interpreter's bin holds tutor, podman-compose.
    env["PATH"] = os.pathsep.join(
        [str(SHIM_DIR), str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    return env


def setup() -> None:
    missing = missing_debian_packages()
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"launch: installing Debian packages: {' '.join(missing)}", flush=True)
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    missing_python = missing_python_packages()
    if missing_python:
        print(f"launch: installing Python packages: {' '.join(missing_python)}", flush=True)
        pip = [sys.executable, "-m", "pip", "install", "-q", "-c", str(_requirements())]
        subprocess.run([*pip, *missing_python], check=True)
    storage_conf()


def _requirements() -> Path:
    return HERE.parent.parent / "requirements" / "test.txt"


def main(argv: list[str]) -> int:
    if argv[1:] == ["setup"]:
        setup()
        return 0
    if argv[1:] == ["check"]:
        missing = missing_debian_packages() + missing_python_packages()
        print("launch: missing " + " ".join(missing) if missing else "launch: all tools present")
        return 1 if missing else 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
