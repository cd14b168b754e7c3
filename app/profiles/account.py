"""What a signed-in session knows: tokens and claims (server-side) and the cached LMS account."""

import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from django.conf import settings

from profiles import lms
from profiles.client_address import browser_address
from profiles.failures import SignInFailed

log = logging.getLogger(__name__)

TOKEN_KEY = "lms_token"
CLAIMS_KEY = "lms_claims"
ACCOUNT_KEY = "lms_account"
# Refresh a little before expiry so the token does not lapse in flight.
REFRESH_MARGIN_SECONDS = 60
# Refresh failures that mean the LMS no longer honours this sign-in.
SIGN_IN_AGAIN = {
    "invalid_grant",
    "invalid_client",
    "bad_token",
    "lms_bad_answer",
    "missing_user_id",
    "lms_refused",
}


class SignInAgain(Exception):
    """The stored tokens are no longer accepted; the user must sign in again."""


@dataclass(frozen=True)
class Profile:
    username: str
    name: str
    email: str
    image_url: str
    from_accounts_api: bool
    notice: str = ""


def remember(request, token: dict, claims: dict) -> None:
    request.session[TOKEN_KEY] = token
    request.session[CLAIMS_KEY] = claims
    request.session.pop(ACCOUNT_KEY, None)


def refresh_token(request) -> str:
    return request.session.get(TOKEN_KEY, {}).get("refresh_token", "")


def access_token(request) -> str:
    """A valid access token for calls to the LMS, refreshed (as a JWT again) when it expires."""
    token = request.session[TOKEN_KEY]
    if token["expires_at"] - REFRESH_MARGIN_SECONDS > time.time():
        return token["access_token"]
    if not token.get("refresh_token"):
        raise SignInAgain()
    try:
        new_token, claims = lms.refresh(token["refresh_token"], browser_address(request))
    except SignInFailed as failure:
        if failure.code in SIGN_IN_AGAIN:
            log.info("Refresh rejected by the LMS (%s); asking for a new sign-in", failure.code)
            raise SignInAgain() from None
        raise
    if claims.get("user_id") != request.session[CLAIMS_KEY].get("user_id"):
        raise SignInAgain()
    new_token["refresh_token"] = new_token["refresh_token"] or token["refresh_token"]
    request.session[TOKEN_KEY] = new_token
    request.session[CLAIMS_KEY] = claims
    log.info("Access token refreshed", extra={"event": "token_refreshed"})
    return new_token["access_token"]


def public_image_url(url: str, lms_url: str, lms_internal_url: str) -> str:
    """A profile image URL the browser can load: absolute, and on the LMS's public host.

    The accounts API builds absolute URLs from the request's host, which is the internal one
    for server-to-server calls.
    """
    if url.startswith(lms_internal_url + "/"):
        url = lms_url + url[len(lms_internal_url) :]
    url = urljoin(lms_url + "/", url)
    return url if url.startswith(("https://", "http://")) else ""


def _image_url(account: dict) -> str:
    image = account.get("profile_image")
    if not isinstance(image, dict) or not image.get("image_url_medium"):
        return ""
    config = settings.LMSAUTH
    return public_image_url(str(image["image_url_medium"]), config.lms_url, config.lms_internal_url)


def _fetch_account(request) -> dict | None:
    claims = request.session[CLAIMS_KEY]
    try:
        return lms.fetch_account(
            access_token(request), claims["preferred_username"], browser_address(request)
        )
    except (SignInFailed, requests.RequestException, ValueError, KeyError) as error:
        log.warning(
            "Accounts API unavailable; showing the sign-in claims only (%s)",
            getattr(error, "code", type(error).__name__),
            extra={"event": "accounts_api_failed"},
        )
        return None


def profile(request) -> Profile:
    """The profile page's data; the accounts API is asked at most once per session."""
    if ACCOUNT_KEY not in request.session:
        request.session[ACCOUNT_KEY] = _fetch_account(request)
    account = request.session[ACCOUNT_KEY]
    claims = request.session[CLAIMS_KEY]
    if account is None:
        return Profile(
            username=claims.get("preferred_username", ""),
            name=claims.get("name", ""),
            email=claims.get("email", ""),
            image_url="",
            from_accounts_api=False,
            notice="The LMS did not send your full profile just now, so this page shows only "
            "what it said when you signed in. Sign out and in again to retry.",
        )
    return Profile(
        username=str(account.get("username") or claims.get("preferred_username", "")),
        name=str(account.get("name") or claims.get("name", "")),
        email=str(account.get("email") or claims.get("email", "")),
        image_url=_image_url(account),
        from_accounts_api=True,
    )
