"""Rotation of an extra client's credentials by overlap: two applications, both valid, then one.

An operator's own app cannot be told to accept two secrets, so the LMS holds two credentials
instead: `rotate-client NAME` declares a second client `NAME.next` (a new client id and secret,
otherwise NAME's settings) and registers it; the operator moves their app to it at their own
pace; `--finish` retires the old application and gives NAME the new credentials, `--abort`
retires the new one. Every step can be run again after an interruption.
"""

import secrets

from tutor import config as tutor_config
from tutor import env as tutor_env
from tutor import exceptions, fmt
from tutor.types import Config

from .. import client_secrets, clients, jobs, validation
from ..client_secrets import fingerprint
from ..config import CLIENT_RETIREMENT, EXTRA_CLIENTS
from . import runners

NEXT_SUFFIX = clients.NEXT_SUFFIX


def next_name(name: str) -> str:
    return name + NEXT_SUFFIX


def _extra(config: Config) -> dict:
    return dict(config.get(EXTRA_CLIENTS) or {})


def _declared(root: str, name: str) -> tuple[Config, dict]:
    config = tutor_config.load_minimal(root)
    extra = _extra(config)
    if name.endswith(NEXT_SUFFIX) or name not in extra:
        known = ", ".join(sorted(n for n in extra if not n.endswith(NEXT_SUFFIX))) or "none"
        raise exceptions.TutorError(
            f"No extra client named {name!r} in {EXTRA_CLIENTS} (declared: {known})."
        )
    return config, extra


def next_credentials(
    config: Config, current: clients.Client, client_id: str | None, secret: str | None
) -> tuple[str, str]:
    """The client id and secret a rotation of `current` moves to: the operator's if given and
    fit, else a new id (its name and 8 hex digits) and a generated secret."""
    every = clients.oauth_clients(config)
    new_id = client_id or f"{current['name']}-{secrets.token_hex(4)}"
    if not validation.CLIENT_ID.fullmatch(new_id) or new_id in {c["client_id"] for c in every}:
        raise exceptions.TutorError(
            f"The client id {new_id!r} is taken or oddly spelt: use letters, digits and . _ ~ - "
            "only, and an id no other client has. Nothing was changed."
        )
    if secret is None:
        return new_id, client_secrets.generate()
    others = [client["client_secret"] for client in every if client["name"] != current["name"]]
    client_secrets.validate(secret, current["client_secret"], others)
    return new_id, secret


def start(root: str, runner: str, name: str, client_id: str | None, secret: str | None) -> None:
    """Declare and register NAME.next, with new credentials, next to NAME."""
    config, extra = _declared(root, name)
    if next_name(name) in extra:
        raise exceptions.TutorError(
            f"A rotation of {name} is already under way: finish it with `tutor lmsauth "
            f"rotate-client {name} --finish` or drop it with `--abort`."
        )
    full = tutor_config.load_full(root)
    current = clients.extra_client(full, name)
    new_id, secret = next_credentials(full, current, client_id, secret)
    extra[next_name(name)] = {
        **(extra[name] or {}),
        "client_id": new_id,
        "client_secret": secret,
    }
    config[EXTRA_CLIENTS] = extra
    runners.save_config(root, config)
    fmt.echo_info(
        f"Registering {next_name(name)}: client id {new_id}, secret {fingerprint(secret)}; "
        f"{name} ({current['client_id']}) keeps working."
    )
    runners.sync_lms(root, runner)


def retire(root: str, runner: str, name: str, owner: str, retired: str, kept: str) -> None:
    """Run the LMS job that deletes the application holding the client id `retired` and names
    the one holding `kept` (if any) after the client `name`, handing it the authorization codes
    still pending on the deleted one."""
    plan = {"name": name, "username": owner, "retire": retired, "keep": kept, "delete": True}
    _run_retirement_job(root, runner, plan)


def hand_over(root: str, runner: str, name: str, owner: str, old: str, new: str) -> None:
    """Run the LMS job that moves the authorization codes pending on the application holding
    the client id `old` to the one holding `new`, and deletes nothing."""
    plan = {"name": name, "username": owner, "retire": old, "keep": new, "delete": False}
    _run_retirement_job(root, runner, plan)


def _run_retirement_job(root: str, runner: str, plan: dict) -> None:
    full = tutor_config.load_full(root)
    # The plan reaches the job as data, in the LMS settings it mounts. It joins the config after
    # Tutor rendered the config's values, for this rendering of the environment only (config.yml
    # never holds it): no client id or name is ever part of a script, nor parsed as a template.
    full[CLIENT_RETIREMENT] = plan
    tutor_env.save(root, full)
    runners.run_lms_job(root, runner, jobs.RETIRE)


def _owner(root: str, name: str) -> str:
    return clients.extra_client(tutor_config.load_full(root), name)["username"]


def finish(root: str, runner: str, name: str) -> None:
    """Retire NAME's old credentials; NAME takes the new ones for good."""
    config, extra = _declared(root, name)
    pending = extra.get(next_name(name))
    if not pending:
        raise exceptions.TutorError(f"No rotation of {name} is under way.")
    old_id = clients.extra_client(tutor_config.load_full(root), name)["client_id"]
    # The LMS first: should this stop half-way, config still describes both and a second
    # --finish does it again.
    retire(root, runner, name, _owner(root, name), old_id, str(pending["client_id"]))
    extra[name] = pending
    del extra[next_name(name)]
    config[EXTRA_CLIENTS] = extra
    runners.save_config(root, config)
    runners.sync_lms(root, runner)
    fmt.echo_info(f"{name} now uses client id {pending['client_id']}; {old_id} no longer works.")


def abort(root: str, runner: str, name: str) -> None:
    """Retire the new credentials; NAME keeps the ones it had."""
    config, extra = _declared(root, name)
    pending = extra.get(next_name(name))
    if not pending:
        raise exceptions.TutorError(f"No rotation of {name} is under way.")
    retire(root, runner, next_name(name), _owner(root, name), str(pending["client_id"]), "")
    del extra[next_name(name)]
    config[EXTRA_CLIENTS] = extra
    runners.save_config(root, config)
    fmt.echo_info(f"Rotation of {name} dropped: {pending['client_id']} no longer works.")
