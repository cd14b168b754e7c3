"""The app's Docker image: what Tutor builds, pulls and pushes, its build context, and the host
folders it can use."""

import os
import shutil
from pathlib import Path

from tutor.types import Config

from .config import DOCKER_IMAGE
from .paths import data_dir

NAME = "lmsauth"
TAG = "{{ " + DOCKER_IMAGE + " }}"
# Rendered from templates/lmsauth/build/lmsauth/ into the env folder.
BUILD_PATH = ("plugins", "lmsauth", "build", "lmsauth")
# A stage of the Dockerfile that `tutor mounts add ./app` replaces with the host folder.
SOURCE_STAGE = "lmsauth-src"
# `tutor mounts add /path/to/app` mounts that folder here, in the app and its job.
MOUNT_NAME = "app"
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


def remote_images(images: list[tuple[str, str]], _config: Config) -> list[tuple[str, str]]:
    images.append((NAME, TAG))
    return images


def build_mounts(mounts: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
    if os.path.basename(path) == MOUNT_NAME:
        mounts.append((NAME, SOURCE_STAGE))
    return mounts


def compose_mounts(mounts: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    if name == MOUNT_NAME:
        mounts += [(NAME, APP_PATH), (f"{NAME}-job", APP_PATH)]
    return mounts
