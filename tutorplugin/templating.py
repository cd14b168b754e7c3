"""What the plugin's templates and patches may call: its Jinja filters and variables.

Tutor's own filters serve too: `rsa_import_key` and `long_to_base64` render the app's JWT key
set (templates/lmsauth/apps/lmsauth.env) as Tutor core renders the LMS's.
"""

import hashlib
import json
import pprint
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import jinja2

from . import apps, clients, doctor, images, urls


def checksum(text: str) -> str:
    """sha256 of a rendered text: a pod annotation that changes when the text does."""
    return hashlib.sha256(text.encode()).hexdigest()


def url_part(text: str) -> str:
    """Percent-encode one component of a URL, `/` included.

    Jinja's `urlencode` keeps `/`, which would end the user:password part of a database URL.
    """
    return quote(str(text), safe="")


def python_literal(value: Any) -> str:
    """A Python expression for plain data (str, bool, list, dict), to write into settings files."""
    return pprint.pformat(value, width=100, sort_dicts=False)


def compose_value(value: str) -> str:
    """A value for a Compose file: a YAML (JSON) string, `$` doubled so that Compose does not
    read it as a variable."""
    return json.dumps(value.replace("$", "$$"))


def _config(context: jinja2.runtime.Context) -> dict[str, Any]:
    """The config a template is rendered with, without the functions Tutor adds to it."""
    return {key: value for key, value in context.get_all().items() if not callable(value)}


@jinja2.pass_context
def template_oauth_clients(context: jinja2.runtime.Context) -> list[clients.Client]:
    """`{{ lmsauth_oauth_clients() }}`: the clients for the config being rendered."""
    return clients.oauth_clients(_config(context))


@jinja2.pass_context
def template_apps(context: jinja2.runtime.Context) -> list[apps.App]:
    """`{{ lmsauth_apps() }}`: every app for the config being rendered, the bundled one first."""
    return apps.all_apps(_config(context))


@jinja2.pass_context
def template_app_environment(
    context: jinja2.runtime.Context, app: apps.App, mode: str = "production"
) -> dict[str, str]:
    """`{{ lmsauth_app_environment(app) }}`: a declared app's variables, with the credentials it
    runs on (the next ones once a rotation has switched it)."""
    config = _config(context)
    return apps.environment(config, app, clients.running_credentials(config, app), mode)


@jinja2.pass_context
def template_redirect_hosts(context: jinja2.runtime.Context) -> list[str]:
    """`{{ lmsauth_redirect_hosts() }}`: host[:port] of every app's URLs, for the LMS's
    LOGIN_REDIRECT_WHITELIST."""
    return [netloc for app in template_apps(context) for netloc in app.netlocs()]


@jinja2.pass_context
def template_logout_urls(context: jinja2.runtime.Context, mode: str) -> list[str]:
    """`{{ lmsauth_logout_urls("production") }}`: the apps' front-channel logout URLs, for the
    LMS's IDA_LOGOUT_URI_LIST."""
    return [url for app in template_apps(context) for url in app.logout_urls(mode)]


@jinja2.pass_context
def template_declared_app_clients(context: jinja2.runtime.Context) -> list[str]:
    """`{{ lmsauth_declared_app_clients() }}`: the names of the declared apps' LMS applications,
    the next ones of a rotation included. Names, not client ids: a rotation gives an app a new
    client id that an LMS started before it has never seen in its settings."""
    return [
        name
        for app in apps.declared_apps(_config(context))
        for name in (app.client_name, app.client_name + clients.NEXT_SUFFIX)
    ]


FILTERS: list[tuple[str, Callable[..., Any]]] = [
    ("lmsauth_checksum", checksum),
    ("lmsauth_compose_value", compose_value),
    ("lmsauth_netloc", urls.netloc),
    ("lmsauth_pullable", images.is_pullable),
    ("lmsauth_python", python_literal),
    ("lmsauth_url_part", url_part),
]

VARIABLES: list[tuple[str, Any]] = [
    ("lmsauth_oauth_clients", template_oauth_clients),
    ("lmsauth_apps", template_apps),
    ("lmsauth_app_environment", template_app_environment),
    ("lmsauth_redirect_hosts", template_redirect_hosts),
    ("lmsauth_logout_urls", template_logout_urls),
    ("lmsauth_declared_app_clients", template_declared_app_clients),
    ("lmsauth_app_mounts", images.app_mounts),
    ("lmsauth_app_probes", doctor.APP_PROBES),
]
