"""The app's URLs as the LMS must know them (redirect URIs, front-channel logout, hosts)."""

from urllib.parse import urlsplit

from tutor.types import Config

from .config import DEV_URL, PUBLIC_URL

# Paths of the bundled app, relative to its public URL (they are part of the app's contract).
CALLBACK_PATH = "/auth/callback/"
FRONT_CHANNEL_LOGOUT_PATH = "/auth/logout/lms/"


def public_url(config: Config) -> str:
    return str(config[PUBLIC_URL]).rstrip("/")


def dev_url(config: Config) -> str:
    return str(config[DEV_URL]).rstrip("/")


def redirect_uris(config: Config) -> list[str]:
    """The callback URLs of the bundled app: production (Caddy) first, then `tutor dev`."""
    return [public_url(config) + CALLBACK_PATH, dev_url(config) + CALLBACK_PATH]


def netloc(url: str) -> str:
    """host[:port] of a URL: the form the LMS's LOGIN_REDIRECT_WHITELIST holds."""
    return urlsplit(url).netloc


def public_hosts(hosts: list[str], context_name: str) -> list[str]:
    """What `tutor local|dev launch` prints (Tutor adds the scheme)."""
    url = DEV_URL if context_name == "dev" else PUBLIC_URL
    hosts.append("{{ " + url + ".split('://')[1] }}")
    return hosts
