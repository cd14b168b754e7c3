"""The LMS's public JWT signing key set, derived from Tutor's JWT_RSA_PRIVATE_KEY."""

import base64
import json

from Crypto.PublicKey import RSA

# The LMS signs asymmetric JWTs with this key id (Tutor's settings use the same).
KEY_ID = "openedx"


def _base64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk_set(private_key_pem: str) -> str:
    """JSON of {"keys": [public RSA JWK]}: what the LMS publishes as JWT_PUBLIC_SIGNING_JWK_SET."""
    key = RSA.import_key(private_key_pem.encode())
    jwk = {"kty": "RSA", "kid": KEY_ID, "n": _base64url_uint(key.n), "e": _base64url_uint(key.e)}
    return json.dumps({"keys": [jwk]}, separators=(",", ":"))
