"""The OAuth clients the LMS must know: the bundled app and every extra client, from Tutor config.

The list is rendered into the LMS settings (patches/openedx-lms-common-settings) as
LMSAUTH_OAUTH_CLIENTS, where the provisioning job reads it: the secrets travel in the settings
file Tutor already mounts into the LMS, never in the job's command line.
"""

from typing import Any, Literal, TypedDict

import jinja2
from tutor import exceptions
from tutor.types import Config

from . import client_secrets, urls
from .config import CLIENT_ID, CLIENT_SECRET, EXTRA_CLIENTS, SCOPES, SKIP_AUTHORIZATION

APP_NAME = "lmsauth-sso"
OWNER = "lmsauth"

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


def as_list(value: Any, setting: str) -> list[str]:
    """A list of words from a YAML list or a space-separated string."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise exceptions.TutorError(f"{setting} must be a list of strings, not {value!r}.")


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
        "scopes": as_list(config[SCOPES], SCOPES),
    }


def extra_client(config: Config, name: str) -> Client:
    """The client `name` of LMSAUTH_EXTRA_CLIENTS, with defaults filled and values checked."""
    where = f"{EXTRA_CLIENTS}[{name!r}]"
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
    redirect_uris = as_list(settings.get("redirect_uris", []), f"{where}.redirect_uris")
    if grant_type == "authorization-code" and not redirect_uris:
        raise exceptions.TutorError(
            f"{where}: an authorization-code client needs at least one redirect_uris entry."
        )
    username = str(settings.get("username", OWNER))
    return {
        "name": name,
        "username": username,
        "email": owner_email(username),
        "client_id": str(settings.get("client_id", name)),
        "client_secret": client_secrets.client_secret_of(config, name),
        "client_type": client_type,
        "grant_type": grant_type,
        "redirect_uris": redirect_uris,
        "skip_authorization": bool(settings.get("skip_authorization", False)),
        "scopes": as_list(settings.get("scopes", []), f"{where}.scopes"),
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


def extra_clients(config: Config) -> list[Client]:
    """The operator's own clients: every client but the bundled app, checked as a whole."""
    return [client for client in oauth_clients(config) if client["name"] != APP_NAME]


@jinja2.pass_context
def template_oauth_clients(context: jinja2.runtime.Context) -> list[Client]:
    """`{{ lmsauth_oauth_clients() }}` in a template: the clients for the config being rendered."""
    return oauth_clients(context.get_all())
