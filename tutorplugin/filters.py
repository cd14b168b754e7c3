"""Jinja filters the plugin's templates and patches use."""

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from . import urls


def checksum(text: str) -> str:
    """sha256 of a rendered text: a pod annotation that changes when the text does."""
    return hashlib.sha256(text.encode()).hexdigest()


def url_part(text: str) -> str:
    """Percent-encode one component of a URL, `/` included.

    Jinja's `urlencode` keeps `/`, which would end the user:password part of a database URL.
    """
    return quote(str(text), safe="")


FILTERS: list[tuple[str, Callable[..., Any]]] = [
    ("lmsauth_netloc", urls.netloc),
    ("lmsauth_checksum", checksum),
    ("lmsauth_url_part", url_part),
]

VARIABLES: list[tuple[str, Any]] = [
    ("lmsauth_front_channel_logout_path", urls.FRONT_CHANNEL_LOGOUT_PATH),
]
