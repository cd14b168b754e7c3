"""Client-secret rotation: during a rotation two secrets are valid, and the LMS accepts one.

The LMS learns a new secret after this app does, so for a while the app must keep using the
previous one; afterwards only the new one works. A call rejected with `invalid_client` is retried
once with the other secret, and the secret that worked is used first from then on (per process).
"""

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from authlib.integrations.base_client import OAuthError

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClientSecrets:
    def __init__(self, current: str, previous: str = ""):
        self._secrets = [secret for secret in (current, previous) if secret]
        self._lock = threading.Lock()

    def call(self, operation: Callable[[str], T]) -> T:
        """Run `operation(secret)`, retrying once with the other secret on `invalid_client`."""
        with self._lock:
            first, *others = self._secrets
        try:
            return operation(first)
        except OAuthError as error:
            if error.error != "invalid_client" or not others:
                raise
        log.warning(
            "The LMS rejected the client secret in use; retrying once with the other "
            "configured secret (a rotation is in progress)",
            extra={"event": "client_secret_retry"},
        )
        result = operation(others[0])
        with self._lock:
            self._secrets = [others[0], first]
        log.warning(
            "The other client secret worked; using it first from now on",
            extra={"event": "client_secret_switched"},
        )
        return result
