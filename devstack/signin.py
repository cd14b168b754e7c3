"""Signing in to the app through the LMS with `requests`, as a person's browser would.

`Browser` keeps cookies and follows redirects one at a time, so a test can stop at any step
(keep the callback URL to replay it, answer the consent page either way). `attempt()` is one
whole sign-in that says what the user saw when it failed, for the benchmarks and the tests
that sign in while the stack changes. The Playwright flows of tests/e2e are the same steps in
a real browser.

The stack's host names (`openedx.localhost:PORT`, `lmsauth.openedx.localhost:PORT`) are sent
to loopback by browsers; `loopback_names()` does the same for this process, so the requests
carry the exact host names Tutor rendered and Caddy routes on.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from .addresses import next_address, session_from

if TYPE_CHECKING:
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


@dataclass
class Form:
    id: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.iframes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                Form(attrs.get("id", ""), attrs.get("action", ""), attrs.get("method", "get"))
            )
        elif tag == "iframe":
            self.iframes.append(attrs.get("src", ""))
        elif self.forms and tag == "input" and attrs.get("name"):
            if attrs.get("type") not in ("submit", "button"):
                self.forms[-1].fields[attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1].buttons[attrs["name"]] = attrs.get("value", "")


def parse_page(html: str) -> _PageParser:
    """The forms (fields, buttons) and iframes of an HTML page."""
    parser = _PageParser()
    parser.feed(html)
    return parser


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class Browser:
    """A cookie-keeping HTTP client that walks the sign-in as a person's browser would.

    Each browser connects from an address of its own (the next loopback client address, or
    `address`), to the LMS and to the app alike, so that the per-address limits of both count
    each person apart.
    """

    def __init__(
        self, user: User, *, proxies: dict[str, str] | None = None, address: str | None = None
    ) -> None:
        self.user = user
        self.address = address or next_address()
        self.http = session_from(self.address)
        self.http.proxies.update(proxies or {})
        self.pages: list[requests.Response] = []
        self.consent_page: requests.Response | None = None

    def get(self, url: str, **kwargs) -> requests.Response:
        response = self.http.get(url, allow_redirects=False, timeout=TIMEOUT, **kwargs)
        self.pages.append(response)
        return response

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        response = self.http.post(url, data=data, allow_redirects=False, timeout=TIMEOUT, **kwargs)
        self.pages.append(response)
        return response

    def follow(self, response: requests.Response, stop_at: str = "") -> requests.Response:
        """Follow redirects until a page, or until the next URL starts with `stop_at`."""
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if stop_at and target.startswith(stop_at):
                return response
            response = self.get(target)
        return response

    def submit_credentials(self, page: requests.Response) -> requests.Response:
        """Fill in the LMS's sign-in form shown on `page` with the user's name and password."""
        (form,) = [form for form in parse_page(page.text).forms if form.id == "login"]
        data = {**form.fields, "username": self.user.username, "password": self.user.password}
        return self.post(urljoin(page.url, form.action), data)

    def sign_in_at_lms(self, lms_url: str) -> Browser:
        """Sign in at the LMS's own /login page (the LMS session only, no app involved)."""
        page = self.get(lms_url + "/login")
        page.raise_for_status()
        answer = self.submit_credentials(page)
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in of {self.user.username} failed ({answer.status_code})")
        return self

    def start(self, app_url: str, next_url: str | None = None) -> requests.Response:
        """Click "Sign in": the app's redirect to the LMS authorize endpoint."""
        params = {"next": next_url} if next_url is not None else None
        return self.get(app_url + "/auth/login/", params=params)

    def authorize(self, app_url: str, next_url: str | None = None, consent: str = "allow") -> str:
        """Sign in at the LMS and answer consent; return the callback URL the LMS sends back."""
        response = self.start(app_url, next_url)
        assert response.status_code == 302, response.text
        response = self.follow(response, stop_at=app_url)
        if "form" in response.text and 'id="login"' in response.text:
            response = self.follow(self.submit_credentials(response), app_url)
        if response.status_code == 200:
            forms = [f for f in parse_page(response.text).forms if f.id == "authorizationForm"]
            assert forms, f"expected the consent form, got:\n{response.text[:2000]}"
            self.consent_page = response
            data = {**forms[0].fields, consent: forms[0].buttons[consent]}
            response = self.post(urljoin(response.url, forms[0].action), data)
            response = self.follow(response, stop_at=app_url)
        assert response.is_redirect, f"LMS did not redirect back:\n{response.text[:2000]}"
        return urljoin(response.url, response.headers["Location"])

    def sign_in(self, app_url: str, next_url: str | None = None, consent: str = "allow"):
        """The whole sign-in; returns the app's page the browser lands on."""
        return self.follow(self.get(self.authorize(app_url, next_url, consent)))

    def attempt(self, app_url: str) -> str | None:
        """One sign-in to the app from scratch; None when it worked, else what the user saw.

        The app's own cookies are dropped first, so that every attempt runs the whole
        authorization-code flow (app, LMS authorize, app callback and its token request, profile
        page); the LMS session (see `sign_in_at_lms`) is kept, as a browser keeps it.
        """
        for name in APP_COOKIES:
            for cookie in [c for c in self.http.cookies if c.name == name]:
                self.http.cookies.clear(cookie.domain, cookie.path, cookie.name)
        self.pages.clear()
        try:
            response = self.follow(self.start(app_url, "/profile/"))
        except requests.RequestException as error:
            return f"no answer ({type(error).__name__})"
        if response.status_code == 200 and response.url.endswith("/profile/"):
            if self.user.username in response.text:
                return None
            return "profile page without the user"
        path = response.url.split("?", 1)[0].split("/", 3)[-1]
        if response.status_code == 502 and not response.text.strip():
            return f"app down: Caddy answered 502 at /{path}"
        if INVALID_CLIENT_PAGE in response.text:
            return "client secret refused by the LMS (invalid_client)"
        return f"HTTP {response.status_code} at /{path}"

    def csrf_token(self) -> str:
        return self.http.cookies.get("lmsauth_csrftoken", "")

    def app_session_key(self) -> str:
        return self.http.cookies.get("lmsauth_sessionid", "")
