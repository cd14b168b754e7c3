"""Type and range checks on what the LMS sends, made before anything uses it.

The LMS, or anyone on the internal link, may send a value of an unexpected type or size: a
`user_id` too large for the database, a number as `preferred_username`, an object as
`expires_in`. Unchecked, each ends in a 500 deep in the database, a template or Authlib.
"""

import math

from profiles.failures import SignInFailed

# Database columns (and SQLite's integers) are signed 64-bit.
MAX_INTEGER = 2**63 - 1
# The longest text any account field has in the LMS (its profile name).
MAX_TEXT = 255
# Fields the app reads from the token endpoint's answer (besides access_token) and the claims it
# reads from the JWT; each is optional unless said otherwise.
TOKEN_TEXT = ("refresh_token", "token_type", "scope")
TOKEN_NUMBERS = ("expires_in", "expires_at")
CLAIM_TEXT = ("email", "name", "given_name", "family_name")


def _refuse(what: str) -> SignInFailed:
    # The field's name only: its value came from outside and may be anything.
    return SignInFailed("lms_bad_answer", what)


def _is_number(value) -> bool:
    """A number that fits the database and Python's conversions (an expired time is negative)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= MAX_INTEGER
    )


def check_token_response(response):
    """Authlib compliance hook: refuse a token answer whose fields Authlib cannot handle."""
    try:
        token = response.json()
    except ValueError:
        return response  # not JSON: Authlib reports it as an LMS error
    if not isinstance(token, dict) or "error" in token:
        return response
    if not isinstance(token.get("access_token"), str):
        raise _refuse("token response: access_token is missing or not text")
    for name in TOKEN_TEXT:
        if not isinstance(token.get(name, ""), str):
            raise _refuse(f"token response: {name} is not text")
    for name in TOKEN_NUMBERS:
        if token.get(name) is not None and not _is_number(token[name]):
            raise _refuse(f"token response: {name} is not a number in range")
    return response


def check_claims(claims: dict) -> None:
    """Refuse verified JWT claims of the wrong type or out of range."""
    if not _is_number(claims.get("exp")):
        raise _refuse("claim exp is not a number in range")
    user_id = claims.get("user_id")
    if user_id is not None and not (
        isinstance(user_id, int) and _is_number(user_id) and user_id >= 0
    ):
        raise _refuse("claim user_id is not a whole number in range")
    if "preferred_username" in claims:
        # The profile page looks the account up by it.
        username = claims["preferred_username"]
        if not isinstance(username, str) or not 0 < len(username) <= MAX_TEXT:
            raise _refuse("claim preferred_username is not a non-empty text")
    for name in CLAIM_TEXT:
        value = claims.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            raise _refuse(f"claim {name} is not a text of at most {MAX_TEXT} characters")
    if not isinstance(claims.get("administrator", False), bool):
        raise _refuse("claim administrator is not true or false")
