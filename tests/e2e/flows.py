"""What a person does in the browser: sign in at the LMS, answer the consent page, sign out.

The steps take the stack of the end-to-end tests, or any `Site` (the launch rehearsal's).
"""

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from devstack.paths import REPO
from devstack.stack import Stack
from devstack.standin import User

SCREENSHOTS = REPO / "artifacts" / "screenshots"
CONSENT_FORM = "#authorizationForm"
# A loaded CI machine (2 cores, several servers) is slow, not broken.
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Site:
    """Where the LMS and the app are, as a browser reaches them (what a Stack also tells)."""

    lms_url: str
    app_url: str

    def url(self, path: str = "/") -> str:
        return self.app_url + path


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def starts_with(url: str) -> re.Pattern:
    return re.compile("^" + re.escape(url))


def authorize_pages(page: Page) -> list[str]:
    """URLs of the LMS consent pages the page is shown from now on (a live list)."""
    shown: list[str] = []

    def record(response):
        if urlsplit(response.url).path == "/oauth2/authorize/" and response.status == 200:
            shown.append(response.url)

    page.on("response", record)
    return shown


def click_sign_in(page: Page, stack: Stack | Site) -> None:
    """From the app's home page to the LMS sign-in form."""
    page.goto(stack.url("/"))
    page.locator("#main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(starts_with(stack.lms_url + "/login"))


def submit_lms_credentials(page: Page, user: User) -> None:
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.password)
    page.click("button[name=sign-in]")


def sign_in(page: Page, stack: Stack | Site, user: User) -> None:
    """Sign in from the home page, allowing access if the LMS asks; ends on the app."""
    click_sign_in(page, stack)
    submit_lms_credentials(page, user)
    page.wait_for_load_state()
    if page.locator(CONSENT_FORM).count():
        page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(starts_with(stack.app_url))
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out"))


def expect_profile(page: Page, stack: Stack, user: User, name: str) -> None:
    expect(page).to_have_url(stack.url("/profile/"))
    details = page.locator(".profile dl")
    expect(details).to_contain_text(user.username)
    expect(details).to_contain_text(user.email)
    expect(details).to_contain_text(name)


def expect_lms_sign_in_form(page: Page, stack: Stack | Site) -> None:
    """The LMS asks for a password: neither the app nor the LMS had a session."""
    expect(page).to_have_url(starts_with(stack.lms_url + "/login"))
    expect(page.locator("#id_password")).to_be_visible()


def expect_hub_home(page: Page, hub_url: str, username: str) -> None:
    """The home page of the JupyterHub of examples/jupyterhub at `hub_url` (ending with "/"),
    its navigation bar naming who is signed in."""
    expect(page).to_have_url(hub_url + "hub/home")
    expect(page.locator("nav")).to_contain_text(username)
    expect(page.locator("#logout")).to_be_visible()


def sign_in_to_hub(page: Page, stack: Stack | Site, hub_url: str, user: User) -> None:
    """Open the hub: it sends the browser straight to the LMS, which signs the learner in."""
    page.goto(hub_url)
    expect_lms_sign_in_form(page, stack)
    submit_lms_credentials(page, user)
    expect_hub_home(page, hub_url, user.username)


def expire_app_session(page: Page, stack: Stack) -> None:
    """Make this browser's app session expire now, as SESSION_COOKIE_AGE would, server-side."""
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "lmsauth_sessionid"]
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(stack.app_database) as db:
        updated = db.execute(
            "UPDATE django_session SET expire_date = ? WHERE session_key = ?",
            (past, cookie["value"]),
        ).rowcount
    assert updated == 1, "the browser's app session is not in the app's database"
