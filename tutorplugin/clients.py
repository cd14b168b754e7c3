"""The OAuth clients the LMS must know: the bundled app and every extra client, from Tutor config.

The list is rendered into the LMS settings (patches/openedx-lms-common-settings) as
LMSAUTH_OAUTH_CLIENTS, where the provisioning job reads it: the secrets travel in the settings
file Tutor already mounts into the LMS, never in the job's command line.
"""

from typing import Literal, TypedDict

import jinja2
from tutor import exceptions
from tutor.types import Config

from . import client_secrets, urls, validation
from .config import CLIENT_ID, CLIENT_SECRET, EXTRA_CLIENTS, SCOPES, SKIP_AUTHORIZATION

APP_NAME = "lmsauth-sso"
# The LMS service user owning the applications; an extra client's `username` may name another
# one, which must start with "lmsauth-". lmsauth-sync only uses a user it created (the LMS job
# marks them: templates/lmsauth/tasks/lms/sync).
OWNER = "lmsauth"
# The name of the client declared by `rotate-client NAME` next to NAME, for the new credentials.
NEXT_SUFFIX = ".next"

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


def bundled_client(config: Config) -> Client:
    return {
        "name": APP_NAME,
        "username": OWNER,
        "email": owner_email(OWNER),
        "client_id": str(config[CLIENT_ID]),
        "client_secret": str(config[CLIENT_SECRET]),
        "client_type": "confidential",
        "grant_type": "authorization-code",
        "redirect_uris": urls.redirect_uris(config),
        "skip_authorization": bool(config[SKIP_AUTHORIZATION]),
        "scopes": validation.words(SCOPES, config[SCOPES]),
    }


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
    """Every client to register: the bundled app first, then the extra clients by name."""
    extra = config[EXTRA_CLIENTS] or {}
    clients = [bundled_client(config)] + [extra_client(config, name) for name in sorted(extra)]
    names = [client["name"] for client in clients]
    client_ids = [client["client_id"] for client in clients]
    for label, values, fix in (
        ("name", names, f"{APP_NAME} is the bundled app's: rename the extra client"),
        ("client id", client_ids, f"set another {CLIENT_ID} or client_id"),
    ):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise exceptions.TutorError(
                f"Two lmsauth OAuth clients share the {label} {', '.join(repeated)}; "
                f"each needs its own ({fix})."
            )
    return clients


def problems(config: Config) -> list[str]:
    """What is wrong with LMSAUTH_EXTRA_CLIENTS (a map): each client on its own, then, if they
    are all fine, the clients together."""
    found = validation.collect(
        lambda name=name: extra_client(config, name) for name in config[EXTRA_CLIENTS]
    )
    return found or validation.collect([lambda: oauth_clients(config)])


def extra_clients(config: Config) -> list[Client]:
    """The operator's own clients: every client but the bundled app, checked as a whole."""
    return [client for client in oauth_clients(config) if client["name"] != APP_NAME]


@jinja2.pass_context
def template_oauth_clients(context: jinja2.runtime.Context) -> list[Client]:
    """`{{ lmsauth_oauth_clients() }}` in a template: the clients for the config being rendered."""
    return oauth_clients(context.get_all())
