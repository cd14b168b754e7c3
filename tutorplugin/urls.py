"""The apps' URLs in Tutor's own output and checks: host names, and what `launch` prints."""

from urllib.parse import urlsplit

from tutor.types import Config

from . import apps

# The apps of the config loaded last: APP_PUBLIC_HOSTS callbacks are not given the config.
_loaded: list[apps.App] = []


def netloc(url: str) -> str:
    """host[:port] of a URL."""
    return urlsplit(url).netloc


def remember_apps(config: Config) -> None:
    """When Tutor loads the config: note the apps, for `public_hosts` below."""
    _loaded[:] = apps.all_apps(config)


def public_hosts(hosts: list[str], context_name: str) -> list[str]:
    """What `tutor local|dev launch` prints, one line per app (Tutor adds the scheme)."""
    for app in _loaded:
        url = app.dev_url if context_name == "dev" and app.dev_url else app.public_url
        hosts.append(url.split("://", 1)[1])
    return hosts
