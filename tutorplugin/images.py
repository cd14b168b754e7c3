"""The app's Docker image: what Tutor builds, pulls and pushes, and host folders it can use."""

import os

from tutor.types import Config

NAME = "lmsauth"
TAG = "{{ LMSAUTH_DOCKER_IMAGE }}"
# Rendered from templates/lmsauth/build/lmsauth/ into the env folder.
BUILD_PATH = ("plugins", "lmsauth", "build", "lmsauth")
# A stage of the Dockerfile that `tutor mounts add ./app` replaces with the host folder.
SOURCE_STAGE = "lmsauth-src"
# `tutor mounts add /path/to/app` mounts that folder here, in the app and its job.
MOUNT_NAME = "app"
APP_PATH = "/app"


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
