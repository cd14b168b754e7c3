"""Signing in to the app with `requests`, through Caddy, as a browser would (cookies, redirects).

The stack's host names (`openedx.localhost:PORT`, `lmsauth.openedx.localhost:PORT`) are sent
to loopback by browsers; `loopback_names()` does the same for this process, so the requests
carry the exact host names Tutor rendered and Caddy routes on.
"""

import contextlib
import socket
from collections.abc import Iterator

import requests

from .standin import User

APP_COOKIES = ("lmsauth_sessionid", "lmsauth_csrftoken")
TIMEOUT = 30
# The title of the app's page for a token request the LMS refused with invalid_client.
INVALID_CLIENT_PAGE = "not registered correctly with the LMS"


@contextlib.contextmanager
def loopback_names(suffix: str = "localhost") -> Iterator[None]:
    """Resolve `suffix` and its subdomains to 127.0.0.1 in this process, then restore."""
    original = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if isinstance(host, str) and (host == suffix or host.endswith("." + suffix)):
            host = "127.0.0.1"
        return original(host, *args, **kwargs)

    socket.getaddrinfo = resolve
    try:
        yield
    finally:
        socket.getaddrinfo = original


def sign_in(session: requests.Session, app_url: str, user: User) -> str | None:
    """One sign-in to the app from scratch; None when it worked, else what the user saw.

    The app's own cookies are dropped first, so every call runs the whole authorization-code
    flow (app, LMS authorize, app callback and its token request, profile page).
    """
    for name in APP_COOKIES:
        for cookie in [c for c in session.cookies if c.name == name]:
            session.cookies.clear(cookie.domain, cookie.path, cookie.name)
    try:
        response = session.get(app_url + "/auth/login/?next=/profile/", timeout=TIMEOUT)
    except requests.RequestException as error:
        return f"no answer ({type(error).__name__})"
    if response.status_code == 200 and response.url.endswith("/profile/"):
        if user.username in response.text:
            return None
        return "profile page without the user"
    path = response.url.split("?", 1)[0].split("/", 3)[-1]
    if response.status_code == 502 and not response.text.strip():
        return f"app down: Caddy answered 502 at /{path}"
    if INVALID_CLIENT_PAGE in response.text:
        return "client secret refused by the LMS (invalid_client)"
    return f"HTTP {response.status_code} at /{path}"
