"""Where to send the browser after sign-in: only ever somewhere on this app's own host."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


def safe_next(candidate: str | None) -> str | None:
    """`candidate` if it is a URL on this app, else None."""
    if not candidate or len(candidate) > MAX_NEXT_LENGTH:
        return None
    config = settings.LMSAUTH
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={config.public_host}, require_https=config.https
    ):
        return None
    # Stay below the app's own path too: in path mode the app shares its host with the LMS.
    prefix = config.script_name + "/"
    return candidate if urlsplit(candidate).path.startswith(prefix) else None


def default_after_sign_in() -> str:
    return reverse("profiles:home")
