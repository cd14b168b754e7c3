"""The stand-in's RS512 signing key and the public JWK set that verifies it (kid `openedx`).

Like the LMS, the stand-in signs with the key Tutor renders into the LMS settings (as a private
JWK, with the public set beside it); without one, with the key it is given, else with a key it
generates and keeps next to its database. Free of Django imports, so that devstack/standin.py
loads this module on its own, and both agree on the key.
"""

import ast
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "openedx"
# The settings Tutor renders as `JWT_AUTH["NAME"] = json.dumps({...})`.
RENDERED_KEYS = ("JWT_PRIVATE_SIGNING_JWK", "JWT_PUBLIC_SIGNING_JWK_SET")


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def generate_private_key_pem() -> str:
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def public_jwk_set(private_key_pem: str) -> dict:
    """The JWK set that verifies tokens signed with this key (the LMS's JWT_PUBLIC_SIGNING_JWK_SET
    holds the same members: PyJWT's `key_ops` is left out)."""
    private_key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {"keys": [{"kid": KEY_ID, "kty": jwk["kty"], "e": jwk["e"], "n": jwk["n"]}]}


def public_jwk_set_json(private_key_pem: str) -> str:
    return json.dumps(public_jwk_set(private_key_pem))


def rendered_keys(settings: Path) -> dict[str, dict] | None:
    """The JWT keys Tutor rendered into a settings file, by setting name; None for a file that
    names none of them (one written by hand)."""
    text = settings.read_text()
    if not any(name in text for name in RENDERED_KEYS):
        return None
    found = {}
    for node in ast.parse(text).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if (
            isinstance(target, ast.Subscript)
            and getattr(target.value, "id", "") == "JWT_AUTH"
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "json.dumps"
        ):
            found[ast.literal_eval(target.slice)] = ast.literal_eval(node.value.args[0])
    missing = [name for name in RENDERED_KEYS if name not in found]
    if missing:
        raise ValueError(f"{settings}: JWT_AUTH[{missing[0]!r}] is not in the form Tutor renders")
    return {name: found[name] for name in RENDERED_KEYS}


def signing_keys(tutor_settings: Path | None, configured: str, key_file: Path) -> tuple[str, dict]:
    """(private key PEM, public JWK set): those Tutor rendered into `tutor_settings`, else the
    `configured` PEM, else a key kept in `key_file` (made once, so that every process sharing a
    database signs alike)."""
    rendered = rendered_keys(tutor_settings) if tutor_settings else None
    if rendered:
        private_key = RSAAlgorithm.from_jwk(rendered["JWT_PRIVATE_SIGNING_JWK"])
        return _pem(private_key), rendered["JWT_PUBLIC_SIGNING_JWK_SET"]
    if not configured:
        if not key_file.exists():
            key_file.write_text(generate_private_key_pem())
            key_file.chmod(0o600)
        configured = key_file.read_text()
    return configured, public_jwk_set(configured)
