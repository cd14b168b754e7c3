"""Client secrets: generating one, vetting one an operator chose, deriving the extra clients'
secrets, and fingerprints that tell secrets apart without showing them."""

import hashlib
import hmac
import secrets
import string
from collections.abc import Collection

from tutor import exceptions
from tutor.types import Config

from . import validation
from .config import EXTRA_CLIENTS, EXTRA_CLIENTS_MASTER_KEY

GENERATED_LENGTH = 64
ALPHABET = string.ascii_letters + string.digits


def generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))


def validate(secret: str, current: str, others: Collection[str]) -> None:
    """Refuse a secret that is too short, too long, oddly spelt, not new, or one of `others`
    (the other clients' secrets); say how to fix it."""
    validation.secret(
        "The secret given with --secret",
        secret,
        fix="Leave out --secret to have one generated. Nothing was changed.",
    )
    if secret == current:
        raise exceptions.TutorError(
            "The secret given with --secret is the one in use: a rotation needs a new secret. "
            "Nothing was changed."
        )
    # An exported LMSAUTH_NEW_CLIENT_SECRET outlives the rotation it was chosen for.
    if secret in others:
        raise exceptions.TutorError(
            "The secret given with --secret (or LMSAUTH_NEW_CLIENT_SECRET) is another lmsauth "
            "OAuth client's: each client needs its own. Nothing was changed."
        )


def extra_client_secret(master_key: str, name: str) -> str:
    """The secret of the extra client `name`: stable for a given master key, distinct per name.

    The master key is generated once (CONFIG_UNIQUE), so a client added to
    LMSAUTH_EXTRA_CLIENTS later gets its secret with no second `config save`; an operator can
    still pin one with the client's own `client_secret` setting.
    """
    return hmac.new(master_key.encode(), f"lmsauth-client:{name}".encode(), "sha256").hexdigest()


def client_secret_of(config: Config, name: str) -> str:
    """The secret the LMS and the external app `name` share (explicit value first)."""
    settings = config[EXTRA_CLIENTS][name]
    explicit = settings.get("client_secret") if isinstance(settings, dict) else None
    if explicit:
        return str(explicit)
    return extra_client_secret(str(config[EXTRA_CLIENTS_MASTER_KEY]), name)


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag telling two secrets apart in logs (never the secret)."""
    if not secret:
        return "(none)"
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]
