"""The app's Docker image: what Tutor builds, pulls and pushes, its build context, and the host
folders it can use.

Tutor pulls and pushes every image in IMAGES_PULL and IMAGES_PUSH, so an image listed there must
live in a registry. The bundled app's image is built on the operator's machine under a bare name
by default; it joins those lists only when LMSAUTH_DOCKER_IMAGE names a repository of a registry
(`is_pullable`).
"""

import os
import shutil
from pathlib import Path

from tutor import bindmount
from tutor.types import Config

from . import apps
from .config import DOCKER_IMAGE
from .paths import data_dir

NAME = "lmsauth"
TAG = "{{ " + DOCKER_IMAGE + " }}"
# Rendered from templates/lmsauth/build/lmsauth/ into the env folder.
BUILD_PATH = ("plugins", "lmsauth", "build", "lmsauth")
# A stage of the Dockerfile that `tutor mounts add ./app` replaces with the host folder.
SOURCE_STAGE = "lmsauth-src"
# `tutor mounts add /path/to/app` mounts that folder here, in the app and its job, when it holds
# the bundled app: these files together tell it from any other folder named `app`.
APP_MARKERS = ("manage.py", os.path.join("identifier", "settings.py"))
APP_PATH = "/app"
# What a developer's app/ folder may hold that must never reach the image.
IGNORED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.pyc", "*.sqlite3", "*.sqlite3-journal", "staticfiles", "*.log"
)


def copy_app_source(root_env: str, _config: Config) -> None:
    """Ship the bundled app's source into the build context, verbatim.

    The app holds Django templates (`{{ }}`) that Jinja must never see, so it is copied after
    Tutor has rendered its templates rather than being one of them.
    """
    destination = Path(root_env, *BUILD_PATH, "app")
    # Start from scratch so a file deleted from app/ also leaves the image.
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(data_dir("app"), destination, ignore=IGNORED)


def build_images(
    images: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]], _config: Config
) -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    images.append((NAME, BUILD_PATH, TAG, ()))
    return images


def required_images(names: list[str], _context_name: str) -> list[str]:
    # Built by `tutor local|dev launch`: there is no public image of the bundled app.
    names.append(NAME)
    return names


# How Docker Hub is spelt in image names; a name without a registry host is on Docker Hub too.
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


def is_pullable(image: str) -> bool:
    """Whether an image this machine builds also lives in a registry, to push to and pull from.

    True when its name has a registry host (`registry.example.com/lmsauth:22.0.0`,
    `localhost:5000/lmsauth`) or a Docker Hub account (`myorg/lmsauth`). A bare name
    (`lmsauth:22.0.0`, also spelt `docker.io/lmsauth` or `docker.io/library/lmsauth`) is Docker
    Hub's `library` namespace, where only Docker publishes: such an image stays where it was built.
    """
    first, _, rest = image.partition("/")
    has_host = bool(rest) and ("." in first or ":" in first or first == "localhost")
    if has_host and first not in DOCKER_HUB_HOSTS:
        return True
    path = rest if has_host else image
    namespace, _, name = path.partition("/")
    return bool(name) and namespace != "library"


def registry_images(images: list[tuple[str, str]], config: Config) -> list[tuple[str, str]]:
    """IMAGES_PUSH: the bundled app's image, built here, when it lives in a registry."""
    if is_pullable(str(config[DOCKER_IMAGE])):
        images.append((NAME, TAG))
    return images


def pulled_images(images: list[tuple[str, str]], config: Config) -> list[tuple[str, str]]:
    """IMAGES_PULL: the bundled app's image and the declared apps', those that live in a
    registry. The operator builds or pulls a declared app's image; the plugin never pushes it."""
    images = registry_images(images, config)
    images += [
        (app.name, app.image) for app in apps.declared_apps(config) if is_pullable(app.image)
    ]
    return images


def holds_the_app(path: str) -> bool:
    """Whether the host folder `path` is a copy of the bundled app (a checkout's app/)."""
    folder = os.path.expanduser(path)
    return all(os.path.isfile(os.path.join(folder, marker)) for marker in APP_MARKERS)


def build_mounts(mounts: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
    if holds_the_app(path):
        mounts.append((NAME, SOURCE_STAGE))
    return mounts


def app_mounts(user_mounts: list[str]) -> list[str]:
    """`host:/app` volumes for the app's services: the folders of `tutor mounts add PATH` (MOUNTS)
    that hold the bundled app.

    Tutor's COMPOSE_MOUNTS filter sees a folder's name only, never its content, so the compose
    patches call this instead; the explicit `lmsauth:/host/path:/container/path` form still
    reaches them through Tutor's own `iter_mounts`.
    """
    volumes = []
    for mount in user_mounts:
        host_path = os.path.abspath(os.path.expanduser(mount))
        if not bindmount.parse_explicit_mount(mount) and holds_the_app(host_path):
            volumes.append(f"{host_path}:{APP_PATH}")
    return volumes
