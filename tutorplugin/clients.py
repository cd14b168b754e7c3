"""The OAuth clients the LMS must know: one per app (the bundled one and the declared ones, see
apps.py) and every extra client, from Tutor config.

The list is rendered into the LMS settings (patches/openedx-lms-common-settings) as
LMSAUTH_OAUTH_CLIENTS, where the provisioning job reads it: the secrets travel in the settings
file Tutor already mounts into the LMS, never in the job's command line.
"""

from typing import Literal, TypedDict

from tutor import exceptions
from tutor.types import Config

from . import apps, client_secrets, validation
from .config import APP_CREDENTIALS, CLIENT_ID, CLIENT_SECRET, EXTRA_CLIENTS

# The bundled app's application in the LMS.
APP_NAME = f"{apps.BUNDLED}-sso"
# The LMS service user owning the applications; an extra client's `username` may name another
# one, which must start with "lmsauth-". lmsauth-sync only uses a user it created (the LMS job
# marks them: templates/lmsauth/tasks/lms/sync).
OWNER = "lmsauth"
# The name of the application an overlap rotation adds beside the current one.
NEXT_SUFFIX = ".next"
# Set in a declared app's rotation when its container is restarted on the next credentials.
ON_NEXT = "on_next"

GRANT_TYPES = ("authorization-code", "client-credentials")
CLIENT_TYPES = ("confidential", "public")
EXTRA_CLIENT_KEYS = {
    "client_id",
    "client_secret",
    "client_type",
    "grant_type",
    "redirect_uris",
    "scopes",
    "skip_authorization",
    "username",
}


class Client(TypedDict):
    """One DOT application, in the shape the provisioning job expects."""

    name: str
    username: str
    email: str
    client_id: str
    client_secret: str
    client_type: Literal["confidential", "public"]
    grant_type: Literal["authorization-code", "client-credentials"]
    redirect_uris: list[str]
    skip_authorization: bool
    scopes: list[str]


def owner_email(username: str) -> str:
    # The LMS service users of Tutor's own clients follow this pattern (cms@openedx).
    return f"{username}@openedx"


def app_credentials(config: Config, app: apps.App) -> tuple[str, str]:
    """The (client id, secret) the LMS knows the app by: the bundled app's settings; for a
    declared app, the ones its last rotation saved, else its client name and a derived secret."""
    if app.bundled:
        return str(config[CLIENT_ID]), str(config[CLIENT_SECRET])
    saved = (config.get(APP_CREDENTIALS) or {}).get(app.name) or {}
    client_id = str(saved.get("client_id") or app.client_name)
    secret = str(saved.get("client_secret") or "") or client_secrets.extra_client_secret(
        str(config[client_secrets.EXTRA_CLIENTS_MASTER_KEY]), app.client_name
    )
    return client_id, secret


def next_app_credentials(config: Config, app: apps.App) -> tuple[str, str] | None:
    """The credentials a rotation under way gives the app next (`rotate-client NAME`)."""
    saved = (config.get(APP_CREDENTIALS) or {}).get(app.name) or {}
    pending = saved.get("next") or {}
    if not pending:
        return None
    return str(pending["client_id"]), str(pending["client_secret"])


def running_credentials(config: Config, app: apps.App) -> tuple[str, str]:
    """The credentials the app's container runs on: the next ones from the moment a rotation
    of its credentials restarts it on them, else the current ones."""
    saved = (config.get(APP_CREDENTIALS) or {}).get(app.name) or {}
    pending = next_app_credentials(config, app)
    if pending and saved.get(ON_NEXT):
        return pending
    return app_credentials(config, app)


def app_clients(config: Config, app: apps.App) -> list[Client]:
    """The app's client, and the next one while a rotation of its credentials is under way."""
    client_id, secret = app_credentials(config, app)
    client: Client = {
        "name": app.client_name,
        "username": OWNER,
        "email": owner_email(OWNER),
        "client_id": client_id,
        "client_secret": secret,
        "client_type": "confidential",
        "grant_type": "authorization-code",
        "redirect_uris": app.redirect_uris(),
        "skip_authorization": app.skip_authorization,
        "scopes": app.scopes,
    }
    pending = next_app_credentials(config, app)
    if pending is None:
        return [client]
    following: Client = {
        **client,
        "name": app.client_name + NEXT_SUFFIX,
        "client_id": pending[0],
        "client_secret": pending[1],
    }
    return [client, following]


def extra_client(config: Config, name: str) -> Client:
    """The client `name` of LMSAUTH_EXTRA_CLIENTS, with defaults filled and values checked."""
    where = f"{EXTRA_CLIENTS}[{name!r}]"
    # NAME.next is the name rotate-client gives the new credentials of NAME.
    base_name = name.removesuffix(NEXT_SUFFIX) if isinstance(name, str) else name
    validation.client_name(f"{where} name", base_name)
    settings = config[EXTRA_CLIENTS][name] or {}
    if not isinstance(settings, dict):
        raise exceptions.TutorError(f"{where} must be a map of settings, not {settings!r}.")
    unknown = sorted(set(settings) - EXTRA_CLIENT_KEYS)
    if unknown:
        raise exceptions.TutorError(
            f"{where} has unknown settings {', '.join(unknown)}; "
            f"known ones: {', '.join(sorted(EXTRA_CLIENT_KEYS))}."
        )
    grant_type = settings.get("grant_type", "authorization-code")
    if grant_type not in GRANT_TYPES:
        raise exceptions.TutorError(
            f"{where}: grant_type {grant_type!r} is not one of {', '.join(GRANT_TYPES)}."
        )
    client_type = settings.get("client_type", "confidential")
    if client_type not in CLIENT_TYPES:
        raise exceptions.TutorError(
            f"{where}: client_type {client_type!r} is not one of {', '.join(CLIENT_TYPES)}."
        )
    redirect_uris = settings.get("redirect_uris", [])
    if not isinstance(redirect_uris, list):
        validation.refuse(
            f"{where}.redirect_uris", redirect_uris, "must be a list of URLs, one per item."
        )
    for uri in redirect_uris:
        validation.redirect_uri(f"{where}.redirect_uris", uri, https_only=config["ENABLE_HTTPS"])
    if grant_type == "authorization-code" and not redirect_uris:
        raise exceptions.TutorError(
            f"{where}: an authorization-code client needs at least one redirect_uris entry."
        )
    username = validation.service_username(
        f"{where}.username", settings.get("username", OWNER), OWNER
    )
    explicit_secret = settings.get("client_secret")
    if explicit_secret:
        validation.secret(f"{where}.client_secret", explicit_secret)
    return {
        "name": name,
        "username": username,
        "email": owner_email(username),
        "client_id": validation.client_id(f"{where}.client_id", settings.get("client_id", name)),
        "client_secret": client_secrets.client_secret_of(config, name),
        "client_type": client_type,
        "grant_type": grant_type,
        "redirect_uris": redirect_uris,
        "skip_authorization": validation.boolean(
            f"{where}.skip_authorization", settings.get("skip_authorization", False)
        ),
        "scopes": validation.scopes(f"{where}.scopes", settings.get("scopes", [])),
    }


def oauth_clients(config: Config) -> list[Client]:
    """Every client to register: the apps' (the bundled app first), then the extra clients."""
    extra = config[EXTRA_CLIENTS] or {}
    clients = [client for app in apps.all_apps(config) for client in app_clients(config, app)]
    clients += [extra_client(config, name) for name in sorted(extra)]
    names = [client["name"] for client in clients]
    client_ids = [client["client_id"] for client in clients]
    for label, values, fix in (
        ("name", names, "an app's client is named <app>-sso: rename the extra client"),
        ("client id", client_ids, f"set another {CLIENT_ID} or client_id"),
    ):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise exceptions.TutorError(
                f"Two lmsauth OAuth clients share the {label} {', '.join(repeated)}; "
                f"each needs its own ({fix})."
            )
    return clients


def problems(config: Config, together: bool = True) -> list[str]:
    """What is wrong with LMSAUTH_EXTRA_CLIENTS (a map) and the apps: each client and app on its
    own, then, if they are all fine and `together` (the settings they are made of are fine
    too), the apps' routes and the clients together."""
    found = validation.collect(
        lambda name=name: extra_client(config, name) for name in config[EXTRA_CLIENTS]
    )
    found += apps.problems(config, together)
    if found or not together:
        return found
    return validation.collect([lambda: oauth_clients(config)])


def extra_clients(config: Config) -> list[Client]:
    """The operator's own clients, for apps the plugin does not run, checked as a whole."""
    names = set(config[EXTRA_CLIENTS] or {})
    return [client for client in oauth_clients(config) if client["name"] in names]
