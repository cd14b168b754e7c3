"""Local images for the launch rehearsal, built once and kept in the cache folder.

No registry is reachable: a Debian root file system made by debootstrap is the base of every
image, and the images Tutor's compose files name are local stand-ins tagged with those names.
Usage: `python tests/launch/launch_images.py` builds (or finds) them all.
"""

import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from launch_env import cache_dir, environment

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
IMAGES = HERE / "images"
DEBIAN = "localhost/lmsauth-launch/debian:bookworm"
PYTHON = "localhost/lmsauth-launch/python:bookworm"
# Stand-in images, built in this order (openedx builds on python).
KINDS = ("python", "openedx", "caddy", "mysql", "idle", "permissions")
DEBOOTSTRAP_PACKAGES = "python3,python3-venv,ca-certificates"


def local_name(kind: str) -> str:
    return PYTHON if kind == "python" else f"localhost/lmsauth-launch/{kind}:latest"


def podman(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        ["podman", *args], env=environment(), check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else ""


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], env=environment()).returncode == 0


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (the only one reachable in closed networks)."""
    sources = sorted(Path("/etc/apt").glob("sources.list*")) + sorted(
        Path("/etc/apt/sources.list.d").glob("*")
    )
    for path in sources:
        if not path.is_file():
            continue
        text = path.read_text()
        for url in re.findall(r"^URIs:\s*(\S+)", text, re.MULTILINE) + re.findall(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.MULTILINE
        ):
            if url.rstrip("/").endswith("/debian"):
                return url
    return "http://deb.debian.org/debian"


def ensure_debian() -> None:
    if image_exists(DEBIAN):
        return
    rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=cache_dir()))
    try:
        print(f"launch: debootstrap bookworm from {debian_mirror()}", flush=True)
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={DEBOOTSTRAP_PACKAGES}",
                "bookworm",
                str(rootfs),
                debian_mirror(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # Apt's downloaded packages are of no use in the image.
        shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "--quiet", "-", DEBIAN],
            stdin=tar.stdout,
            env=environment(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if tar.wait() != 0:
            raise RuntimeError("tar of the Debian root file system failed")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _context(kind: str, folder: Path) -> None:
    """Assemble the build context of one stand-in (its folder plus what it needs from the repo)."""
    shutil.copytree(IMAGES / kind, folder, dirs_exist_ok=True)
    if kind == "python":
        shutil.copy2(ssl.get_default_verify_paths().cafile, folder / "ca-certificates.crt")
    if kind == "openedx":
        shutil.copy2(REPO / "requirements" / "test.txt", folder / "constraints.txt")
        shutil.copytree(
            REPO / "tests" / "lms",
            folder / "edx-platform",
            ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3*", "tests"),
        )


def build(kind: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"context-{kind}-") as folder:
        _context(kind, Path(folder))
        # Layer caching makes an unchanged image a matter of seconds.
        podman(
            "build", "--pull=never", "--quiet", f"--tag={local_name(kind)}", folder, capture=True
        )


def build_all() -> None:
    ensure_debian()
    for kind in KINDS:
        build(kind)


def service_kind(service: str) -> str | None:
    """Which stand-in runs a service of Tutor's compose files (None: an image Tutor builds)."""
    if service.startswith("lmsauth"):
        return None
    if service in ("caddy", "permissions"):
        return service
    if service in ("mysql", "mysql-job"):
        return "mysql"
    if service.split("-")[0] in ("lms", "cms"):
        return "openedx"
    return "idle"


def tag_for(tutor_root: Path, dockerfiles: list[Path]) -> dict[str, str]:
    """Tag the stand-ins with the image names of the rendered compose files and Dockerfiles.

    Returns {image name: stand-in kind}.
    """
    names: dict[str, str] = {}
    for compose in sorted((tutor_root / "env" / "local").glob("docker-compose*.yml")):
        services = (yaml.safe_load(compose.read_text()) or {}).get("services", {})
        for service, spec in services.items():
            kind = service_kind(service)
            if kind and spec.get("image"):
                names[spec["image"]] = kind
    for dockerfile in dockerfiles:
        for base in re.findall(r"^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile.read_text(), re.M):
            if "/" in base or ":" in base:
                names[base] = "python"
    for name, kind in names.items():
        podman("tag", local_name(kind), name)
    return names


if __name__ == "__main__":
    build_all()
    sys.exit(0)
