"""Local images for the launch rehearsal, built once and kept in the cache folder.

No registry is reachable: a Debian root file system made by debootstrap is the base of every
image, and the images Tutor's compose files name are local stand-ins tagged with those names.
The JupyterHub of examples/jupyterhub is built from its own Dockerfile, on the Python stand-in.
Usage: `python -m devstack.launch.standin_images` builds or finds them all.
"""

import hashlib
import json
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from ..declared_apps import JUPYTERHUB_EXAMPLE
from ..paths import LMS_DIR, REQUIREMENTS
from .host import cache_dir, environment

IMAGES = Path(__file__).resolve().parent / "images"
DEBIAN = "localhost/lmsauth-launch/debian:bookworm"
PYTHON = "localhost/lmsauth-launch/python:bookworm"
# Stand-in images, built in this order (openedx builds on python).
KINDS = ("python", "openedx", "caddy", "mysql", "idle", "permissions")
CONTEXT_LABEL = "org.lmsauth.launch.context"
DEBOOTSTRAP_PACKAGES = "python3,python3-venv,ca-certificates"
HUB = "localhost/lmsauth-launch/jupyterhub:latest"
# The Python stand-in is Debian 12, whose Node.js 18 runs configurable-http-proxy 4.6.3 at most.
HUB_BUILD_ARGS = ("CONFIGURABLE_HTTP_PROXY_VERSION=4.6.3",)


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
        shutil.copy2(REQUIREMENTS, folder / "constraints.txt")
        shutil.copytree(
            LMS_DIR,
            folder / "edx-platform",
            ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3*", "*.pem", "*.log"),
        )


def _digest(folder: Path, *build_args: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    for arg in build_args:
        digest.update(b"\0" + arg.encode())
    return digest.hexdigest()


def _build_once(name: str, folder: Path, base: str, *build_args: str) -> None:
    """Build `folder` as `name`, unless an image of the same build context is already there."""
    # The context's digest includes the base's, so a rebuilt base rebuilds what is on it.
    digest = _digest(folder, *build_args) + _label(base, "id")
    if image_exists(name) and _label(name, CONTEXT_LABEL) == digest:
        return
    podman(
        "build",
        "--pull=never",
        # The docker format keeps HEALTHCHECK, which the OCI format drops.
        "--format=docker",
        "--quiet",
        *[f"--build-arg={arg}" for arg in build_args],
        f"--label={CONTEXT_LABEL}={digest}",
        f"--tag={name}",
        str(folder),
        capture=True,
    )


def build(kind: str) -> None:
    """Build one stand-in, unless an image of the same build context is already there."""
    with tempfile.TemporaryDirectory(prefix=f"context-{kind}-") as folder:
        _context(kind, Path(folder))
        _build_once(local_name(kind), Path(folder), PYTHON if kind == "openedx" else DEBIAN)


def dockerfile_bases(dockerfile: Path) -> list[str]:
    """The images named in the FROM lines of a Dockerfile (not its stages, nor `scratch`)."""
    bases = re.findall(r"^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile.read_text(), re.M)
    # Stage names and `scratch` carry neither a tag nor a registry.
    return [base for base in bases if "/" in base or ":" in base]


def build_hub() -> None:
    """examples/jupyterhub as HUB, its base images being the Python stand-in.

    Built as its README says for a Debian 12 base, unless built from the same files already.
    """
    for base in dockerfile_bases(JUPYTERHUB_EXAMPLE / "Dockerfile"):
        podman("tag", PYTHON, base)
    _build_once(HUB, JUPYTERHUB_EXAMPLE, PYTHON, *HUB_BUILD_ARGS)


def _label(image: str, name: str) -> str:
    """A label of a local image ("id": its id), or "" when it has none."""
    template = "{{.Id}}" if name == "id" else '{{index .Labels "' + name + '"}}'
    return podman("image", "inspect", f"--format={template}", image, capture=True).strip()


def build_all(hub: bool = False) -> None:
    """Build or find the stand-ins and, with `hub`, examples/jupyterhub's image.

    The hub's build mostly waits on package downloads: it runs beside the other stand-ins'.
    """
    ensure_debian()
    build("python")  # the base of the hub and of the Open edX stand-in
    with ThreadPoolExecutor(max_workers=1) as pool:
        hub_built = pool.submit(build_hub) if hub else None
        for kind in KINDS:
            if kind != "python":
                build(kind)
        if hub_built:
            hub_built.result()


# Which stand-in carries the image named by each of these Tutor settings; other images
# of the compose files (MongoDB, Redis, Meilisearch, SMTP...) get the idle one.
STANDIN_OF_SETTING = {
    "DOCKER_IMAGE_OPENEDX": "openedx",
    "DOCKER_IMAGE_CADDY": "caddy",
    "DOCKER_IMAGE_MYSQL": "mysql",
    "DOCKER_IMAGE_PERMISSIONS": "permissions",
}
_READ_SETTINGS = (
    "import json, sys\n"
    "from tutor import config\n"
    "values = config.load(sys.argv[1])\n"
    "print(json.dumps({key: values[key] for key in sys.argv[2:]}))\n"
)


def tutor_settings(tutor_root: Path, *keys: str) -> dict[str, str]:
    output = subprocess.run(
        [sys.executable, "-c", _READ_SETTINGS, str(tutor_root), *keys],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def tag_for(tutor_root: Path, built: set[str]) -> dict[str, str]:
    """Tag the stand-ins with the image names Tutor renders, but for `built`: the images built
    on this machine (by Tutor, or by the rehearsal).

    The bases named in the FROM lines of the plugins' rendered Dockerfiles get the Python stand-in.
    Returns {image name: stand-in kind}.
    """
    kinds = {
        image: kind
        for key, image in tutor_settings(tutor_root, *STANDIN_OF_SETTING).items()
        for kind in [STANDIN_OF_SETTING[key]]
    }
    names: dict[str, str] = {}
    for compose in sorted((tutor_root / "env" / "local").glob("docker-compose*.yml")):
        services = (yaml.safe_load(compose.read_text()) or {}).get("services", {})
        for spec in services.values():
            image = spec.get("image")
            if image and image not in built:
                names[image] = kinds.get(image, "idle")
    for dockerfile in (tutor_root / "env" / "plugins").rglob("Dockerfile"):
        for base in dockerfile_bases(dockerfile):
            names[base] = "python"
    for name, kind in names.items():
        podman("tag", local_name(kind), name)
    return names


if __name__ == "__main__":
    build_all(hub=True)
    sys.exit(0)
