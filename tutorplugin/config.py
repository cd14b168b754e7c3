"""The plugin's settings: their names, defaults, generated secrets, and the checks they pass."""

from typing import Any

from tutor import exceptions
from tutor.types import Config

from .__about__ import __version__

# The names the plugin's Python code reads, spelled here only (templates and patches use the
# same names in Jinja).
DOCKER_IMAGE = "LMSAUTH_DOCKER_IMAGE"
ROUTING = "LMSAUTH_ROUTING"
PATH_PREFIX = "LMSAUTH_PATH_PREFIX"
DEV_PORT = "LMSAUTH_DEV_PORT"
PUBLIC_URL = "LMSAUTH_PUBLIC_URL"
DEV_URL = "LMSAUTH_DEV_URL"
CLIENT_ID = "LMSAUTH_CLIENT_ID"
CLIENT_SECRET = "LMSAUTH_CLIENT_SECRET"
PREVIOUS_CLIENT_SECRET = "LMSAUTH_PREVIOUS_CLIENT_SECRET"
SCOPES = "LMSAUTH_SCOPES"
SKIP_AUTHORIZATION = "LMSAUTH_SKIP_AUTHORIZATION"
DATABASE = "LMSAUTH_DATABASE"
REPLICAS = "LMSAUTH_REPLICAS"
EXTRA_CLIENTS = "LMSAUTH_EXTRA_CLIENTS"
EXTRA_CLIENTS_MASTER_KEY = "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY"
APPS = "LMSAUTH_APPS"
# Written by `rotate-client` for a declared app: its credentials once rotated, and the next ones
# while a rotation is under way.
APP_CREDENTIALS = "LMSAUTH_APP_CREDENTIALS"
# Written by the commands, never by an operator: the secret rotation under way (in config.yml
# while `rotate-secret` runs), and what a retirement job of `rotate-client` deletes and keeps
# (rendered into the LMS settings for that job only).
ROTATION = "LMSAUTH_ROTATION"
CLIENT_RETIREMENT = "LMSAUTH_CLIENT_RETIREMENT"

# Rendered by Tutor in this order, so a value may only refer to the keys above it.
DEFAULTS: dict[str, Any] = {
    # Built on the operator's machine; not DOCKER_REGISTRY, which names where Tutor's own images
    # are pulled from. Point it at a registry to push and pull it (tutorplugin/images.py).
    DOCKER_IMAGE: "lmsauth:" + __version__,
    "LMSAUTH_HOST": "lmsauth.{{ LMS_HOST }}",
    # "subdomain": a Caddy site of its own on LMSAUTH_HOST; "path": under LMSAUTH_PATH_PREFIX
    # on the LMS host.
    ROUTING: "subdomain",
    PATH_PREFIX: "/lmsauth",
    DEV_PORT: 8790,
    # The app's browser-facing URLs; derived, but an operator behind another proxy may override.
    PUBLIC_URL: (
        "{% if ENABLE_HTTPS %}https{% else %}http{% endif %}://"
        "{% if LMSAUTH_ROUTING == 'path' %}{{ LMS_HOST }}{{ LMSAUTH_PATH_PREFIX }}"
        "{% else %}{{ LMSAUTH_HOST }}{% endif %}"
    ),
    DEV_URL: "http://{{ LMSAUTH_HOST }}:{{ LMSAUTH_DEV_PORT }}",
    CLIENT_ID: "lmsauth-sso",
    # Set during a secret rotation only: the app accepts both while the LMS catches up.
    PREVIOUS_CLIENT_SECRET: "",
    SCOPES: ["user_id", "profile", "email"],
    SKIP_AUTHORIZATION: True,
    "LMSAUTH_STAFF_FROM_LMS": False,
    "LMSAUTH_LOG_LEVEL": "INFO",
    # "sqlite" (a file in a volume) or "mysql" (Tutor's MySQL; required for several replicas).
    DATABASE: "sqlite",
    "LMSAUTH_MYSQL_DATABASE": "lmsauth",
    "LMSAUTH_MYSQL_USERNAME": "lmsauth",
    REPLICAS: 1,
    # The operator's own OAuth clients: name -> {redirect_uris, grant_type, scopes,
    # skip_authorization, client_type, client_id, username, client_secret}, all optional but
    # redirect_uris for authorization-code clients (see tutorplugin/clients.py for defaults).
    EXTRA_CLIENTS: {},
    # Apps the plugin runs, routes and signs in through the LMS: name -> {image, port, host or
    # path, callback_path, env, ...} (see tutorplugin/apps.py).
    APPS: {},
    # The LMS's limit on the token requests of each declared app (which do not carry their
    # users' addresses), in django-ratelimit's notation; the LMS's own limit is 120/m.
    "LMSAUTH_APP_TOKEN_RATE": "1200/m",
}

# Generated once by `tutor config save` and kept in config.yml.
UNIQUE: dict[str, str] = {
    CLIENT_SECRET: "{{ 64|random_string }}",
    "LMSAUTH_SECRET_KEY": "{{ 64|random_string }}",
    "LMSAUTH_MYSQL_PASSWORD": "{{ 32|random_string }}",
    # Each extra client's secret is derived from this key and the client's name (tutorplugin/
    # client_secrets.py), the way Tutor derives MEILISEARCH_API_KEY from its master key.
    EXTRA_CLIENTS_MASTER_KEY: "{{ 64|random_string }}",
}

ROUTING_MODES = ("subdomain", "path")
DATABASE_MODES = ("sqlite", "mysql")


def check(config: Config) -> None:
    """Refuse a configuration that would deploy a broken app, with the fix in the message."""
    routing = config[ROUTING]
    if routing not in ROUTING_MODES:
        raise exceptions.TutorError(
            f"{ROUTING}={routing!r} is not supported: use one of {', '.join(ROUTING_MODES)}."
        )
    prefix = str(config[PATH_PREFIX])
    if routing == "path" and (
        not prefix.startswith("/") or prefix.endswith("/") or prefix == "/" or " " in prefix
    ):
        raise exceptions.TutorError(
            f"{PATH_PREFIX}={prefix!r} must start with '/' and not end with one, e.g. /lmsauth."
        )
    port = config[DEV_PORT]
    if not isinstance(port, int) or isinstance(port, bool) or not 1024 <= port <= 65535:
        raise exceptions.TutorError(
            f"{DEV_PORT}={port!r} must be a free TCP port number between 1024 and 65535."
        )
    database = config[DATABASE]
    if database not in DATABASE_MODES:
        raise exceptions.TutorError(
            f"{DATABASE}={database!r} is not supported: use one of {', '.join(DATABASE_MODES)}."
        )
    replicas = config[REPLICAS]
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 1:
        raise exceptions.TutorError(
            f"{REPLICAS}={replicas!r} must be a whole number of at least 1."
        )
    if replicas > 1 and database == "sqlite":
        raise exceptions.TutorError(
            f"{REPLICAS}={replicas} needs a database the replicas can share, and SQLite "
            f"lives in one pod's volume. Run `tutor config save --set {DATABASE}=mysql` "
            "(Tutor's MySQL; the init task creates the database and user), or set "
            f"{REPLICAS}=1."
        )
    if not isinstance(config[EXTRA_CLIENTS], dict):
        raise exceptions.TutorError(
            f"{EXTRA_CLIENTS} must be a map of client name to settings, e.g. "
            '{"myapp": {"redirect_uris": ["https://myapp.example.com/callback/"]}}.'
        )
