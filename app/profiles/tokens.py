"""Verification of the RS512 JWT access tokens the LMS issues."""

from functools import cache

from django.conf import settings
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

# Clock skew we tolerate between the LMS and this app.
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """The token cannot be trusted; `reason` says which check failed (for the log)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@cache
def _key_set() -> KeySet:
    return KeySet.import_key_set(settings.LMSAUTH.jwt_public_keys)


def verify(access_token: str) -> dict:
    """Return the claims of a token signed by the LMS for us, or raise InvalidToken."""
    config = settings.LMSAUTH
    try:
        token = jwt.decode(access_token, _key_set(), algorithms=["RS512"])
    except (JoseError, ValueError):
        raise InvalidToken("signature") from None
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": config.jwt_issuer},
        aud={"essential": True, "value": config.jwt_audience},
        exp={"essential": True},
    )
    try:
        registry.validate(token.claims)
    except ExpiredTokenError:
        raise InvalidToken("expired") from None
    except ClaimError as error:
        raise InvalidToken(
            {"iss": "issuer", "aud": "audience"}.get(error.claim, error.claim)
        ) from None
    return token.claims
