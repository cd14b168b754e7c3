"""Everything this app asks of the LMS, over OAuth2 with Authlib's Django client.

Sign-in is authorization code + PKCE (S256) + state. The browser goes to the LMS public URL;
the server talks to the LMS internal URL. The token endpoint is asked for an RS512 JWT, which is
verified locally, so a sign-in needs one back-channel request and no user-info call.

Every back-channel request says, in X-Forwarded-For, which browser it is made for. The LMS
limits its token endpoint per client address (`RATELIMIT_RATE`, keyed by
`edx_django_utils.ip.get_safest_client_ip`): told the browser's address, it counts each person
against their own quota instead of counting every sign-in of the site against the app's one
address. Answers of that limiter (an HTML 403 or 429, no OAuth error) mean "busy, try later".
"""

import logging
import re
import time
from functools import cache
from urllib.parse import quote, urlencode

import requests
from authlib.integrations.django_client import OAuth, OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.requests_client.oauth2_session import OAuth2ClientAuth
from django.conf import settings
from django.urls import get_script_prefix, reverse

from profiles import lms_data, tokens
from profiles.failures import SignInFailed
from profiles.lms_slots import lms_slot
from profiles.rotation import ClientSecrets

log = logging.getLogger(__name__)

# Ask for an RS512 JWT, which we can verify with the LMS public key alone.
JWT_PARAMS = {"token_type": "jwt", "asymmetric_jwt": "true"}
# How long a started sign-in stays valid (seconds).
SIGN_IN_LIFETIME = 10 * 60
# state and code are URL-safe tokens: anything else, or anything longer, is not from the LMS.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9._~-]{1,256}")
# What the LMS's rate limiter answers (django-ratelimit's Ratelimited: 403, or 429 where mapped).
_RATE_LIMITED = (403, 429)
# The most we ask a person to wait, whatever the LMS says.
MAX_RETRY_AFTER = 3600

oauth = OAuth()


@cache
def _client():
    config = settings.LMSAUTH
    oauth.register(
        "lms",
        client_id=config.client_id,
        client_secret=config.client_secret,
        authorize_url=f"{config.lms_url}/oauth2/authorize/",
        access_token_url=token_url(),
        client_kwargs={
            "scope": " ".join(config.scopes),
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": timeout(),
        },
        compliance_fix=_checked,
    )
    return oauth.create_client("lms")


@cache
def _secrets() -> ClientSecrets:
    config = settings.LMSAUTH
    return ClientSecrets(config.client_secret, config.previous_client_secret)


def timeout() -> tuple[float, float]:
    """(connect, read) timeouts for every call to the LMS."""
    seconds = settings.LMSAUTH.lms_timeout
    return (min(seconds, 5.0), seconds)


def token_url() -> str:
    return f"{settings.LMSAUTH.lms_internal_url}/oauth2/access_token"


def redirect_uri() -> str:
    """The callback URL, from configuration only (never from the request's Host header).

    reverse() starts with the script prefix (FORCE_SCRIPT_NAME in path mode), which the public
    URL already ends with: the path is joined to the public URL without it.
    """
    path = reverse("profiles:callback").removeprefix(get_script_prefix().rstrip("/"))
    return settings.LMSAUTH.public_url + path


def forwarded_for(address: str) -> dict[str, str]:
    """Headers of a back-channel request made for the browser at `address` (a new dict for each
    request: Authlib adds to the one it is given)."""
    return {"Accept": "application/json", "X-Forwarded-For": address}


def _auth(secret: str) -> OAuth2ClientAuth:
    return OAuth2ClientAuth(settings.LMSAUTH.client_id, secret, "client_secret_basic")


def _checked(session: OAuth2Session) -> OAuth2Session:
    """Every token answer is checked for type and range before Authlib reads it."""
    for hook in ("access_token_response", "refresh_token_response"):
        session.register_compliance_hook(hook, lms_data.check_token_response)
    return session


def _session(secret: str) -> OAuth2Session:
    session = OAuth2Session(
        settings.LMSAUTH.client_id,
        secret,
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_basic",
        default_timeout=timeout(),
    )
    return _checked(session)


def authorization_redirect(request, next_url: str):
    """Start a sign-in: remember state, PKCE verifier and `next` in the session, go to the LMS."""
    client = _client()
    authorization = client.create_authorization_url(redirect_uri())
    client.save_authorize_data(
        request,
        redirect_uri=redirect_uri(),
        next_url=next_url,
        started=time.time(),
        **authorization,
    )
    # The session lasts as long as the sign-in, unless the sign-in succeeds (see views.callback).
    request.session.set_expiry(SIGN_IN_LIFETIME)
    return authorization["url"]


def _retry_after(response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    return min(int(value), MAX_RETRY_AFTER) if value.isdigit() and int(value) > 0 else None


def _as_failure(error: Exception) -> SignInFailed:
    if isinstance(error, OAuthError):
        if error.error in ("invalid_grant", "invalid_client"):
            return SignInFailed(error.error)
        return SignInFailed("lms_refused", f"token endpoint answered {error.error!s:.64}")
    if isinstance(error, requests.Timeout):
        return SignInFailed("lms_timeout", type(error).__name__)
    if isinstance(error, requests.ConnectionError):
        return SignInFailed("lms_unreachable", type(error).__name__)
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        if status in _RATE_LIMITED:
            return SignInFailed("lms_busy", f"HTTP {status}", _retry_after(error.response))
        return SignInFailed("lms_error", f"HTTP {status}")
    return SignInFailed("lms_error", type(error).__name__)


def _call(operation):
    """Run a client-authenticated call with secret rotation; failures become SignInFailed."""
    with lms_slot():
        try:
            return _secrets().call(operation)
        except (OAuthError, requests.RequestException, ValueError) as error:
            raise _as_failure(error) from None


def _token_call(operation) -> dict:
    return dict(_call(operation))


def _verified(token: dict) -> tuple[dict, dict]:
    try:
        claims = tokens.verify(token["access_token"])
    except tokens.InvalidToken as error:
        raise SignInFailed("bad_token", f"JWT rejected: {error.reason}") from None
    lms_data.check_claims(claims)
    stored = {
        "access_token": token["access_token"],
        "refresh_token": token.get("refresh_token", ""),
        "expires_at": int(claims["exp"]),
    }
    return stored, dict(claims)


def complete_sign_in(request, address: str) -> tuple[dict, dict, str]:
    """Finish a sign-in from the LMS's redirect: (stored token, JWT claims, next URL), for the
    browser at `address`.

    Raises SignInFailed for every way it can go wrong.
    """
    params = request.GET
    client = _client()
    state = params.get("state", "")
    error = params.get("error")
    if error:
        if _TOKEN_SHAPE.fullmatch(state):
            client.framework.clear_state_data(request.session, state)
        if error in ("access_denied", "invalid_scope"):
            raise SignInFailed(error)
        raise SignInFailed("lms_refused", f"authorize answered {error:.64}")
    code = params.get("code", "")
    if not state:
        raise SignInFailed("state_missing")
    if not _TOKEN_SHAPE.fullmatch(state) or not _TOKEN_SHAPE.fullmatch(code):
        raise SignInFailed("bad_request", "malformed code or state")
    data = client.framework.get_state_data(request.session, state)
    if not data:
        raise SignInFailed("state_mismatch")
    client.framework.clear_state_data(request.session, state)
    if time.time() - data.get("started", 0) > SIGN_IN_LIFETIME:
        raise SignInFailed("state_expired")

    # Authlib's authorize_access_token() does this exchange with the one secret the client was
    # registered with; here it is a function of the secret, so that during a rotation the
    # exchange is retried once with the previous secret (see _call and profiles.rotation).
    def exchange(secret: str):
        return client.fetch_access_token(
            redirect_uri=data["redirect_uri"],
            code=code,
            code_verifier=data["code_verifier"],
            auth=_auth(secret),
            headers=forwarded_for(address),
            **JWT_PARAMS,
        )

    stored, claims = _verified(_token_call(exchange))
    return stored, claims, data.get("next_url", "")


def refresh(refresh_token: str, address: str) -> tuple[dict, dict]:
    """A new JWT for a stored refresh token (which the LMS rotates). Raises SignInFailed."""

    def call(secret: str):
        with _session(secret) as session:
            return session.refresh_token(
                token_url(),
                refresh_token=refresh_token,
                headers=forwarded_for(address),
                **JWT_PARAMS,
            )

    return _verified(_token_call(call))


def revoke(refresh_token: str, address: str) -> None:
    """Revoke a refresh token (a JWT access token cannot be revoked). Raises SignInFailed."""
    url = f"{settings.LMSAUTH.lms_internal_url}/oauth2/revoke_token/"

    def call(secret: str) -> None:
        with _session(secret) as session:
            response = session.revoke_token(
                url,
                refresh_token,
                token_type_hint="refresh_token",
                headers=forwarded_for(address),
            )
        if response.status_code == 401:
            raise OAuthError(error="invalid_client")
        response.raise_for_status()

    _call(call)


def fetch_account(access_token: str, username: str, address: str) -> dict:
    """The user's account from the LMS accounts API, asked for the browser at `address`.

    Raises requests exceptions on failure, and SignInFailed("lms_busy") when no slot is free.
    """
    base = settings.LMSAUTH.lms_internal_url
    with lms_slot():
        response = requests.get(
            f"{base}/api/user/v1/accounts/{quote(username, safe='')}",
            headers={**forwarded_for(address), "Authorization": f"JWT {access_token}"},
            timeout=timeout(),
        )
    response.raise_for_status()
    account = response.json()
    if not isinstance(account, dict):
        raise ValueError("accounts API answered with something other than an object")
    return account


def logout_url() -> str:
    """The LMS logout, which ends the LMS session and then returns the browser here."""
    config = settings.LMSAUTH
    query = urlencode({"client_id": config.client_id, "redirect_url": f"{config.public_url}/"})
    return f"{config.lms_url}/logout?{query}"
