"""Secrets of the OAuth clients: derivation for the extra clients, and printable fingerprints."""

import hashlib
import hmac

from tutor.types import Config


def extra_client_secret(master_key: str, name: str) -> str:
    """The secret of the extra client `name`: stable for a given master key, distinct per name.

    The master key is generated once (CONFIG_UNIQUE), so a client added to
    LMSAUTH_EXTRA_CLIENTS later gets its secret with no second `config save`; an operator can
    still pin one with the client's own `client_secret` setting.
    """
    return hmac.new(master_key.encode(), f"lmsauth-client:{name}".encode(), "sha256").hexdigest()


def client_secret_of(config: Config, name: str) -> str:
    """The secret the LMS and the external app `name` share (explicit value first)."""
    settings = config["LMSAUTH_EXTRA_CLIENTS"][name]
    explicit = settings.get("client_secret") if isinstance(settings, dict) else None
    if explicit:
        return str(explicit)
    return extra_client_secret(str(config["LMSAUTH_EXTRA_CLIENTS_MASTER_KEY"]), name)


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag telling two secrets apart in logs (never the secret)."""
    if not secret:
        return "(none)"
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]
