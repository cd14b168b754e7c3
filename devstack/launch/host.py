"""The host side of the launch rehearsal: tools, podman settings, a persistent image cache.

Usage: `python -m devstack.launch.host check|setup`. `check` lists what is missing; `setup`
installs it (Debian packages through apt-get), quick when nothing is missing, then finds an OCI
runtime that can start a container on this host (see `choose_runtime`).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..paths import REQUIREMENTS

HERE = Path(__file__).resolve().parent
SHIM_DIR = HERE / "bin"

# Debian package of each command the rehearsal runs. podman-compose comes from PyPI
# (requirements/test.txt): Debian's is too old for the compose files Tutor renders.
DEBIAN_PACKAGES = {
    "podman": "podman",
    "debootstrap": "debootstrap",
    "netavark": "netavark",
    "aardvark-dns": "aardvark-dns",
    # netavark sets up container networks with iptables, which podman does not pull in.
    "iptables": "iptables",
}
PYTHON_COMMANDS = {"podman-compose": "podman-compose"}
# OCI runtimes in order of preference: Debian's podman defaults to crun, which refuses hosts
# that mount cgroup v1 controllers beside an empty cgroup2 ("hybrid mode"); runc runs there.
RUNTIMES = ("crun", "runc")
# Forces one runtime (still probed): for reproducing a host where the other one fails.
RUNTIME_VARIABLE = "LMSAUTH_LAUNCH_RUNTIME"
PROBE_IMAGE = "localhost/lmsauth-launch/probe:latest"


class RuntimeUnavailable(RuntimeError):
    """No OCI runtime starts a container here; the message is one line saying what to do."""


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
    # iptables lives in sbin, which a non-root PATH may leave out.
    return shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")


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


def containers_conf(runtime: str | None = None) -> Path:
    """The rehearsal's own podman settings: the repository's, plus the runtime chosen here.

    Podman reads this file instead of the machine's (CONTAINERS_CONF), so nothing outside the
    cache folder changes. Without `runtime`, the one `choose_runtime` wrote last is kept.
    """
    path = cache_dir() / "containers.conf"
    if runtime is None:
        if path.exists():
            return path
        runtime = choose_runtime()
    text = (HERE / "containers.conf").read_text() + f'\n[engine]\nruntime = "{runtime}"\n'
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def _podman_env() -> dict[str, str]:
    """For the probe: the rehearsal's settings, with the runtime left to the command line."""
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(HERE / "containers.conf")
    env["CONTAINERS_STORAGE_CONF"] = str(storage_conf())
    return env


def _probe_image(env: dict[str, str]) -> None:
    """A container image of /bin/true and the libraries it loads, made from this host's files."""
    if subprocess.run(["podman", "image", "exists", PROBE_IMAGE], env=env).returncode == 0:
        return
    true = Path(shutil.which("true") or "/bin/true").resolve()
    libraries = re.findall(
        r"(/\S+) \(0x",
        subprocess.run(["ldd", str(true)], capture_output=True, text=True, check=False).stdout,
    )
    with tempfile.TemporaryDirectory(prefix="probe-rootfs-", dir=cache_dir()) as rootfs:
        for source in [str(true), *libraries]:
            target = Path(rootfs) / source.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(source).resolve(), target)
        (Path(rootfs) / "bin").mkdir(exist_ok=True)
        shutil.copy2(true, Path(rootfs) / "bin" / "true")
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "--quiet", "-", PROBE_IMAGE],
            stdin=tar.stdout,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tar.wait()


def probe(runtime: str, env: dict[str, str], network: str = "none") -> str | None:
    """None if `runtime` starts a container here, else the last line of podman's error."""
    result = subprocess.run(
        [
            "podman",
            "--runtime",
            runtime,
            "run",
            "--rm",
            f"--network={network}",
            PROBE_IMAGE,
            "/bin/true",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    # Podman's warnings (level=warning) come on the same stream as its error.
    errors = [line for line in lines if "level=warning" not in line]
    return (errors or lines or [f"exit status {result.returncode}"])[-1]


def choose_runtime(install=None) -> str:
    """The first runtime of RUNTIMES (or $LMSAUTH_LAUNCH_RUNTIME) that runs a container here.

    A runtime that is not installed is installed first (`install` takes Debian package names).
    Raises RuntimeUnavailable when none works.
    """
    install = install or install_debian_packages
    forced = os.environ.get(RUNTIME_VARIABLE, "").strip()
    if forced and forced not in RUNTIMES:
        raise RuntimeUnavailable(
            f"{RUNTIME_VARIABLE}={forced!r} is not one of {', '.join(RUNTIMES)}: unset it or "
            "pick one of those."
        )
    env = _podman_env()
    _probe_image(env)
    failures = []
    for runtime in [forced] if forced else RUNTIMES:
        if not _find(runtime):
            install([runtime])
        error = probe(runtime, env)
        if error is None:
            # The rehearsal's containers share a network, which netavark builds with iptables.
            network_error = probe(runtime, env, network="bridge")
            if network_error is None:
                return runtime
            raise RuntimeUnavailable(
                f"podman starts containers with {runtime} but cannot give them a network "
                f"({network_error}); check that iptables and netavark work on this host."
            )
        failures.append(f"{runtime}: {error}")
    raise RuntimeUnavailable(
        "no container runtime works on this host (" + "; ".join(failures) + "); the launch "
        "rehearsal needs one: run `make test` on a host where podman can start containers, or "
        "deselect it with `pytest -m 'not launch'`."
    )


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The variables every podman, podman-compose, docker-shim and tutor call runs with."""
    env = dict(os.environ if base is None else base)
    env["CONTAINERS_CONF"] = str(containers_conf())
    env["CONTAINERS_STORAGE_CONF"] = str(storage_conf())
    # The shim must win over any real `docker`; the interpreter's bin holds tutor, podman-compose.
    env["PATH"] = os.pathsep.join(
        [str(SHIM_DIR), str(Path(sys.executable).parent), env.get("PATH", "")]
    )
    return env


def install_debian_packages(packages: list[str]) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"launch: installing Debian packages: {' '.join(packages)}", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def setup() -> None:
    missing = missing_debian_packages()
    if missing:
        install_debian_packages(missing)
    missing_python = missing_python_packages()
    if missing_python:
        print(f"launch: installing Python packages: {' '.join(missing_python)}", flush=True)
        pip = [sys.executable, "-m", "pip", "install", "-q", "-c", str(REQUIREMENTS)]
        subprocess.run([*pip, *missing_python], check=True)
    storage_conf()
    runtime = choose_runtime()
    containers_conf(runtime)
    print(f"launch: podman runs containers with {runtime}", flush=True)


def main(argv: list[str]) -> int:
    if argv[1:] == ["setup"]:
        try:
            setup()
        except RuntimeUnavailable as error:
            print(f"launch: {error}", file=sys.stderr)
            return 1
        return 0
    if argv[1:] == ["check"]:
        missing = missing_debian_packages() + missing_python_packages()
        print("launch: missing " + " ".join(missing) if missing else "launch: all tools present")
        return 1 if missing else 0
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
