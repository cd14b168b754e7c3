"""Where to send the browser after sign-in: only ever somewhere on this app's own host."""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


def is_own_url(candidate: str, host: str, script_name: str, https: bool) -> bool:
    """True if `candidate` is a URL on this app (its host and, in path mode, its path prefix)."""
    if not candidate or len(candidate) > MAX_NEXT_LENGTH:
        return False
    if not url_has_allowed_host_and_scheme(candidate, allowed_hosts={host}, require_https=https):
        return False
    # Stay below the app's own path too: in path mode the app shares its host with the LMS.
    path = urlsplit(candidate).path
    # Browsers resolve dot segments (encoded or after a backslash too), which would climb out.
    if {".", ".."} & set(unquote(path).replace("\\", "/").split("/")):
        return False
    return path.startswith(script_name + "/")


def safe_next(candidate: str | None) -> str | None:
    """`candidate` if it is a URL on this app, else None."""
    config = settings.LMSAUTH
    if candidate and is_own_url(candidate, config.public_host, config.script_name, config.https):
        return candidate
    return None


def default_after_sign_in() -> str:
    return reverse("profiles:home")
