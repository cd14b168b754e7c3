"""Revoking a refresh token at the LMS, best effort: a failure is logged, never shown."""

import logging
import threading

from profiles import lms
from profiles.failures import SignInFailed

log = logging.getLogger(__name__)


def revoke_quietly(refresh_token: str, address: str) -> None:
    """Revoke for the browser at `address`; a failure is logged."""
    try:
        lms.revoke(refresh_token, address)
    except SignInFailed as failure:
        # The user is signed out here anyway; the token expires on its own at the LMS.
        log.warning(
            "Could not revoke the refresh token: %s",
            failure.code,
            extra={"event": "revoke_failed", "reason": failure.code},
        )


def revoke_in_background(refresh_token: str, address: str) -> None:
    """Revoke without holding up the response: the LMS may be slow, or hang."""
    threading.Thread(
        target=revoke_quietly,
        args=(refresh_token, address),
        name="revoke-refresh-token",
        daemon=True,
    ).start()
