"""The plugin's settings: their names, defaults, generated secrets, and the checks they pass."""

from typing import Any

from tutor import exceptions
from tutor.types import Config

from . import refused_save, validation
from .__about__ import __version__

# The names the plugin's Python code reads, spelled here only (templates and patches use the
# same names in Jinja).
DOCKER_IMAGE = "LMSAUTH_DOCKER_IMAGE"
HOST = "LMSAUTH_HOST"
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
STAFF_FROM_LMS = "LMSAUTH_STAFF_FROM_LMS"
LOG_LEVEL = "LMSAUTH_LOG_LEVEL"
SECRET_KEY = "LMSAUTH_SECRET_KEY"
DATABASE = "LMSAUTH_DATABASE"
MYSQL_DATABASE = "LMSAUTH_MYSQL_DATABASE"
MYSQL_USERNAME = "LMSAUTH_MYSQL_USERNAME"
MYSQL_PASSWORD = "LMSAUTH_MYSQL_PASSWORD"
REPLICAS = "LMSAUTH_REPLICAS"
EXTRA_CLIENTS = "LMSAUTH_EXTRA_CLIENTS"
EXTRA_CLIENTS_MASTER_KEY = "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY"
APPS = "LMSAUTH_APPS"
# The LMS token rate of the declared apps' own requests (see patches/openedx-lms-common-settings).
APP_TOKEN_RATE = "LMSAUTH_APP_TOKEN_RATE"
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
    HOST: "lmsauth.{{ LMS_HOST }}",
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
    STAFF_FROM_LMS: False,
    LOG_LEVEL: "INFO",
    # "sqlite" (a file in a volume) or "mysql" (Tutor's MySQL; required for several replicas).
    DATABASE: "sqlite",
    MYSQL_DATABASE: "lmsauth",
    MYSQL_USERNAME: "lmsauth",
    REPLICAS: 1,
    # The operator's own OAuth clients: name -> {redirect_uris, grant_type, scopes,
    # skip_authorization, client_type, client_id, username, client_secret}, all optional but
    # redirect_uris for authorization-code clients (see tutorplugin/clients.py for defaults and
    # checks).
    EXTRA_CLIENTS: {},
    # Apps the plugin runs, routes and signs in through the LMS: name -> {image, port, host or
    # path, callback_path, env, ...} (see tutorplugin/apps.py).
    APPS: {},
    # The LMS's limit on the token requests of each declared app (which do not carry their
    # users' addresses), in django-ratelimit's notation; the LMS's own limit is 120/m.
    APP_TOKEN_RATE: "1200/m",
}

# Generated once by `tutor config save` and kept in config.yml.
UNIQUE: dict[str, str] = {
    CLIENT_SECRET: "{{ 64|random_string }}",
    SECRET_KEY: "{{ 64|random_string }}",
    MYSQL_PASSWORD: "{{ 32|random_string }}",
    # Each extra client's secret is derived from this key and the client's name (tutorplugin/
    # client_secrets.py), the way Tutor derives MEILISEARCH_API_KEY from its master key.
    EXTRA_CLIENTS_MASTER_KEY: "{{ 64|random_string }}",
}

ROUTING_MODES = ("subdomain", "path")
DATABASE_MODES = ("sqlite", "mysql")
MYSQL_DATABASE_MAX_LENGTH = 64
MYSQL_USERNAME_MAX_LENGTH = 32
# Settings whose names hold one of these words are secrets (Tutor's naming too); values shorter
# than MASKED_MIN_LENGTH are too common to mask in a message.
SECRET_WORDS = ("SECRET", "PASSWORD", "KEY")
MASKED_MIN_LENGTH = 8
GENERATE = "Run `tutor config save --unset {}` to have a new one generated"

# (validator, setting, the validator's further arguments) for every setting that reaches a file
# or a job: the LMS settings, the Caddyfile, an env file, a Kubernetes manifest.
RULES: list[tuple[Any, ...]] = [
    # Tutor's own settings that lmsauth's files hold as they are.
    (validation.host, "LMS_HOST"),
    (validation.url, "JWT_COMMON_ISSUER"),
    (validation.plain_text, "JWT_COMMON_AUDIENCE"),
    (validation.docker_image, "DOCKER_IMAGE_MYSQL"),
    # The plugin's.
    (validation.choice, ROUTING, ROUTING_MODES),
    (validation.host, HOST),
    (validation.path_prefix, PATH_PREFIX),
    (validation.url, PUBLIC_URL),
    (validation.url, DEV_URL),
    (validation.port, DEV_PORT, 1024),
    (validation.docker_image, DOCKER_IMAGE),
    (validation.client_id, CLIENT_ID),
    (
        validation.secret,
        CLIENT_SECRET,
        "Choose another (`tutor lmsauth rotate-secret --secret` changes it without a failed "
        f"sign-in), or run `tutor config save --unset {CLIENT_SECRET}` to have one generated, "
        "then `tutor local do lmsauth-sync` (or dev, k8s).",
    ),
    (validation.secret, SECRET_KEY, GENERATE.format(SECRET_KEY) + " (users sign in again)."),
    (validation.secret, MYSQL_PASSWORD, GENERATE.format(MYSQL_PASSWORD) + ", then `do init`."),
    (
        validation.secret,
        EXTRA_CLIENTS_MASTER_KEY,
        GENERATE.format(EXTRA_CLIENTS_MASTER_KEY) + " (every derived extra client secret changes).",
    ),
    (validation.scopes, SCOPES, ["user_id"]),
    (validation.boolean, SKIP_AUTHORIZATION),
    (validation.boolean, STAFF_FROM_LMS),
    (validation.log_level, LOG_LEVEL),
    (validation.rate, APP_TOKEN_RATE),
    (validation.choice, DATABASE, DATABASE_MODES),
    (validation.mysql_name, MYSQL_DATABASE, MYSQL_DATABASE_MAX_LENGTH),
    (validation.mysql_name, MYSQL_USERNAME, MYSQL_USERNAME_MAX_LENGTH),
    (validation.whole_number, REPLICAS, 1, validation.MAX_REPLICAS),
]
# Tutor's settings that lmsauth's MySQL job holds as they are (MySQL mode).
MYSQL_RULES: list[tuple[Any, ...]] = [
    (validation.host, "MYSQL_HOST"),
    (validation.port, "MYSQL_PORT"),
    (validation.plain_text, "MYSQL_ROOT_USERNAME"),
    (validation.plain_text, "MYSQL_ROOT_PASSWORD"),
]


def check(config: Config) -> None:
    """Refuse a configuration that would deploy a broken app or break the site: every problem,
    each with its fix (CONFIG_LOADED, so at `tutor config save` and before any command)."""
    found = problems(config)
    if not found:
        return
    message = found[0]
    if len(found) > 1:
        message = f"{len(found)} lmsauth settings need fixing:\n" + "\n".join(
            f"- {problem}" for problem in found
        )
    if refused_save.undo():
        message += "\nNothing was saved: config.yml is as it was."
    raise exceptions.TutorError(_without_secrets(message, config))


def problems(config: Config) -> list[str]:
    """What is wrong with the configuration, one message per problem."""
    # The clients module reads this module's names: imported when needed.
    from . import clients

    rules = RULES + (MYSQL_RULES if config[DATABASE] == "mysql" else [])
    found = validation.collect(
        lambda rule=rule: rule[0](rule[1], config[rule[1]], *rule[2:]) for rule in rules
    )
    previous = config[PREVIOUS_CLIENT_SECRET]
    if previous:
        found += validation.collect(
            [lambda: validation.secret(PREVIOUS_CLIENT_SECRET, previous, "Finish the rotation.")]
        )
    replicas = config[REPLICAS]
    if isinstance(replicas, int) and replicas > 1 and config[DATABASE] == "sqlite":
        found.append(
            f"{REPLICAS}={replicas} needs a database the replicas can share, and SQLite "
            f"lives in one pod's volume. Run `tutor config save --set {DATABASE}=mysql` "
            "(Tutor's MySQL; the init task creates the database and user), or set "
            f"{REPLICAS}=1."
        )
    if isinstance(config[EXTRA_CLIENTS], dict):
        # The clients together are made of the settings above: only once those are fine.
        found += clients.problems(config, together=not found)
    else:
        found.append(
            f"{EXTRA_CLIENTS} must be a map of client name to settings, e.g. "
            '{"myapp": {"redirect_uris": ["https://myapp.example.com/callback/"]}}.'
        )
    return found


def _without_secrets(message: str, config: Config) -> str:
    """`message` with every secret of the config masked: Tutor renders config values as
    templates, so a refused value may hold another setting's secret."""
    found = [value for key, value in config.items() if any(word in key for word in SECRET_WORDS)]
    extra = config[EXTRA_CLIENTS]
    if isinstance(extra, dict):
        found += [
            client.get("client_secret") for client in extra.values() if isinstance(client, dict)
        ]
    for secret in found:
        if isinstance(secret, str) and len(secret) >= MASKED_MIN_LENGTH:
            # As it is, and as a repr in a message shows it.
            for shown in (secret, repr(secret)[1:-1]):
                message = message.replace(shown, "(a secret)")
    return message
