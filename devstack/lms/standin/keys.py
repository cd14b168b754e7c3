"""RSA signing key of the stand-in and its public JWK set.

Kept free of Django imports so that test helpers can load it on its own.
"""

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "openedx"


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_or_create_private_key_pem(path: Path) -> str:
    """Reuse the key stored at `path`, so that every process sharing a database signs alike."""
    if not path.exists():
        path.write_text(generate_private_key_pem())
        path.chmod(0o600)
    return path.read_text()


def _b64_uint(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk_set(private_key_pem: str) -> dict:
    """The JWK set that verifies the RS512 tokens (the LMS's JWT_PUBLIC_SIGNING_JWK_SET)."""
    private_key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    numbers = private_key.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": KEY_ID,
        "n": _b64_uint(numbers.n),
        "e": _b64_uint(numbers.e),
    }
    return {"keys": [jwk]}


def public_jwk_set_json(private_key_pem: str) -> str:
    return json.dumps(public_jwk_set(private_key_pem))
