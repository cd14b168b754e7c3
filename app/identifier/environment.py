"""The app's configuration, read from environment variables and nowhere else.

`load()` turns the environment into a `Config` or raises `ConfigError` with one line that names
the offending variable, so an operator sees at once what to fix.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

REQUIRED = (
    "LMSAUTH_LMS_URL",
    "LMSAUTH_LMS_INTERNAL_URL",
    "LMSAUTH_PUBLIC_URL",
    "LMSAUTH_CLIENT_ID",
    "LMSAUTH_CLIENT_SECRET",
    "LMSAUTH_JWT_PUBLIC_KEYS",
    "LMSAUTH_JWT_ISSUER",
    "LMSAUTH_SECRET_KEY",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Where the platform runs (`tutor local|dev|k8s`), for the commands the error pages name.
RUNNERS = ("local", "dev", "k8s")
# django-ratelimit's rates: a count per second, minute, hour or day, or per N of them ("60/m").
RATE = re.compile(r"[1-9][0-9]{0,6}/(?:[1-9][0-9]{0,3})?[smhd]")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


class ConfigError(Exception):
    """A missing or malformed setting; the message is the one line to show."""


@dataclass(frozen=True)
class Config:
    lms_url: str
    lms_internal_url: str
    public_url: str
    client_id: str
    client_secret: str
    previous_client_secret: str
    scopes: tuple[str, ...]
    jwt_public_keys: dict
    jwt_issuer: str
    jwt_audience: str
    secret_key: str
    database_url: str
    trust_proxy: bool
    https: bool
    staff_from_lms: bool
    log_level: str
    debug: bool
    lms_timeout: float
    runner: str
    threads: int
    sign_in_rate: str
    session_cleanup_interval: int

    @property
    def public_host(self) -> str:
        return urlsplit(self.public_url).netloc

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def script_name(self) -> str:
        """The path prefix of path mode ('' in subdomain mode)."""
        return urlsplit(self.public_url).path.rstrip("/")


def _url(env: Mapping[str, str], name: str) -> str:
    value = env[name].strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL such as http://local.openedx.io")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not have a query string or fragment")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _key_set(env: Mapping[str, str], name: str) -> dict:
    try:
        keys = json.loads(env[name])
    except ValueError:
        raise ConfigError(f"{name} is not valid JSON (expected a JWK set)") from None
    if isinstance(keys, dict) and "kty" in keys:
        keys = {"keys": [keys]}
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list) or not keys["keys"]:
        raise ConfigError(f'{name} must be a JWK set like {{"keys": [{{"kty": "RSA", ...}}]}}')
    if not any(isinstance(k, dict) and k.get("kty") == "RSA" for k in keys["keys"]):
        raise ConfigError(f"{name} holds no RSA key (the LMS signs with RS512)")
    # Import now: a malformed key would otherwise fail only at the first sign-in, as a 500.
    try:
        KeySet.import_key_set(keys)
    except (JoseError, ValueError, TypeError):
        raise ConfigError(f"{name} holds a malformed key (check its n and e values)") from None
    return keys


def _timeout(env: Mapping[str, str], name: str) -> float:
    value = env.get(name, "10")
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 120:
        raise ConfigError(f"{name} must be between 0 and 120 seconds")
    return seconds


def _threads(env: Mapping[str, str], name: str) -> int:
    value = env.get(name, "4")
    if not value.strip().isdigit() or not 1 <= int(value) <= 64:
        raise ConfigError(f"{name} must be a whole number from 1 to 64, not {value!r}")
    return int(value)


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not RATE.fullmatch(value):
        raise ConfigError(f"{name} must be a count per period such as 60/m (s, m, h or d)")
    return value


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip() or str(default)
    if not value.isdigit() or not 1 <= int(value) <= 86400:
        raise ConfigError(f"{name} must be a whole number of seconds from 1 to 86400")
    return int(value)


def load(env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    for name in REQUIRED:
        if not env.get(name, "").strip():
            raise ConfigError(f"{name} is not set")
    secret_key = env["LMSAUTH_SECRET_KEY"]
    if len(secret_key) < 32:
        raise ConfigError("LMSAUTH_SECRET_KEY is too short (use at least 32 random characters)")
    scopes = tuple(env.get("LMSAUTH_SCOPES", "user_id profile email").split())
    if "user_id" not in scopes:
        raise ConfigError("LMSAUTH_SCOPES must include user_id (local users are keyed by it)")
    log_level = env.get("LMSAUTH_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LMSAUTH_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    https = _bool(env, "LMSAUTH_HTTPS", False)
    public_url = _url(env, "LMSAUTH_PUBLIC_URL")
    if https and not public_url.startswith("https://"):
        raise ConfigError("LMSAUTH_PUBLIC_URL must start with https:// when LMSAUTH_HTTPS is true")
    runner = env.get("LMSAUTH_RUNNER", "").strip()
    if runner and runner not in RUNNERS:
        raise ConfigError(f"LMSAUTH_RUNNER must be one of {', '.join(RUNNERS)}, or unset")
    database_url = env.get("LMSAUTH_DATABASE_URL", "").strip() or "sqlite:///lmsauth.sqlite3"
    if urlsplit(database_url).scheme not in ("sqlite", "mysql"):
        raise ConfigError("LMSAUTH_DATABASE_URL must be a sqlite:// or mysql:// URL")
    return Config(
        lms_url=_url(env, "LMSAUTH_LMS_URL"),
        lms_internal_url=_url(env, "LMSAUTH_LMS_INTERNAL_URL"),
        public_url=public_url,
        client_id=env["LMSAUTH_CLIENT_ID"].strip(),
        client_secret=env["LMSAUTH_CLIENT_SECRET"].strip(),
        previous_client_secret=env.get("LMSAUTH_PREVIOUS_CLIENT_SECRET", "").strip(),
        scopes=scopes,
        jwt_public_keys=_key_set(env, "LMSAUTH_JWT_PUBLIC_KEYS"),
        jwt_issuer=env["LMSAUTH_JWT_ISSUER"].strip(),
        jwt_audience=env.get("LMSAUTH_JWT_AUDIENCE", "").strip() or "openedx",
        secret_key=secret_key,
        database_url=database_url,
        trust_proxy=_bool(env, "LMSAUTH_TRUST_PROXY", False),
        https=https,
        staff_from_lms=_bool(env, "LMSAUTH_STAFF_FROM_LMS", False),
        log_level=log_level,
        debug=_bool(env, "LMSAUTH_DEBUG", False),
        lms_timeout=_timeout(env, "LMSAUTH_LMS_TIMEOUT"),
        runner=runner,
        # The server's setting, read here too: the app keeps one thread free of LMS calls.
        threads=_threads(env, "GUNICORN_THREADS"),
        # Half the LMS's token quota per address (120/m): the rest is left for token refreshes.
        sign_in_rate=_rate(env, "LMSAUTH_SIGN_IN_RATE", "60/m"),
        session_cleanup_interval=_seconds(env, "LMSAUTH_SESSION_CLEANUP_INTERVAL", 300),
    )


def load_or_exit() -> Config:
    """Load the configuration, or stop the process with one clear line (for start-up)."""
    try:
        return load()
    except ConfigError as error:
        print(f"lmsauth: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
