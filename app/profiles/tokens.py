"""Verification of the RS512 JWT access tokens the LMS issues."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Verifier:
    keys: KeySet
    issuer: str
    audience: str

    def verify(self, access_token: str) -> dict:
        """The claims of a token the LMS signed for us, or InvalidToken."""
        try:
            token = jwt.decode(access_token, self.keys, algorithms=["RS512"])
        except (JoseError, ValueError):
            raise InvalidToken("signature") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
        )
        try:
            registry.validate(token.claims)
        except ExpiredTokenError:
            raise InvalidToken("expired") from None
        except ClaimError as error:
            reason = {"iss": "issuer", "aud": "audience"}.get(error.claim, error.claim)
            raise InvalidToken(reason) from None
        return token.claims


@cache
def _configured() -> Verifier:
    config = settings.LMSAUTH
    return Verifier(
        KeySet.import_key_set(config.jwt_public_keys), config.jwt_issuer, config.jwt_audience
    )


def verify(access_token: str) -> dict:
    return _configured().verify(access_token)
