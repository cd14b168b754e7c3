"""Rotation of a declared app's credentials, by overlap, in one resumable command.

A declared app reads one client id and one secret, so the LMS holds two applications for a
while instead, and the app moves from one to the other when it restarts:

1. `registered`: new credentials are saved as the app's next ones and the LMS registers them as
   `<app>-sso.next`, beside the application the app uses: both work.
2. `switched`: the app is stopped, the authorization codes pending on the old application move
   to the new one (a sign-in that started before the switch finishes after it, on the new
   credentials), and the app starts on the next credentials. Caddy holds its requests meanwhile,
   so the pause costs the time of one LMS job, and no failed sign-in.
3. `retired`: in one LMS transaction, codes still pending on the old application (issued during
   the switch) move to the new one, the old application is deleted and the new one takes the
   app's name; config makes the next credentials the current ones.

Each finished phase is recorded in LMSAUTH_APP_CREDENTIALS with the change it made, so an
interrupted rotation resumes where it stopped; `--abort` drops the next credentials while the
app has not switched to them.
"""

from tutor import config as tutor_config
from tutor import exceptions, fmt
from tutor.types import Config

from .. import apps, clients
from ..client_secrets import fingerprint
from ..config import APP_CREDENTIALS
from . import runners
from .extra_credentials import hand_over, next_credentials, retire

PHASES = ("registered", "switched", "retired")


def declared_app(config: Config, name: str) -> apps.App | None:
    """The declared app called `name`, if there is one."""
    return next((app for app in apps.declared_apps(config) if app.name == name), None)


def _saved(config: Config) -> dict:
    return dict(config.get(APP_CREDENTIALS) or {})


def _record(root: str, name: str, entry: dict | None) -> None:
    """Save the app's entry of LMSAUTH_APP_CREDENTIALS (None: back to the derived credentials)
    and render the environment again."""
    config = tutor_config.load_minimal(root)
    saved = _saved(config)
    if entry:
        saved[name] = entry
    else:
        saved.pop(name, None)
    config[APP_CREDENTIALS] = saved
    runners.save_config(root, config)


def phase(config: Config, name: str) -> str | None:
    """The last finished phase of the rotation of app `name`, or None."""
    return (_saved(config).get(name) or {}).get("phase")


def start(
    root: str, runner: str, app: apps.App, client_id: str | None, secret: str | None, step: bool
) -> None:
    full = tutor_config.load_full(root)
    if phase(full, app.name):
        raise exceptions.TutorError(
            f"A rotation of {app.name} is already under way (phase {phase(full, app.name)}): "
            f"continue it with `tutor lmsauth rotate-client {app.name} --resume`."
        )
    current = clients.app_clients(full, app)[0]
    new_id, secret = next_credentials(full, current, client_id, secret)
    entry = dict(_saved(tutor_config.load_minimal(root)).get(app.name) or {})
    entry.update(
        client_id=current["client_id"],
        client_secret=current["client_secret"],
        next={"client_id": new_id, "client_secret": secret},
        runner=runner,
    )
    _record(root, app.name, entry)
    fmt.echo_info(
        f"Rotating the credentials of {app.name}: next client id {new_id}, secret "
        f"{fingerprint(secret)}; {current['client_id']} keeps working until the app has switched."
    )
    resume(root, runner, app.name, step)


def _entry(root: str, name: str) -> dict:
    entry = dict(_saved(tutor_config.load_minimal(root)).get(name) or {})
    if not entry.get("next"):
        raise exceptions.TutorError(f"No rotation of {name} is under way.")
    return entry


def resume(root: str, runner: str | None, name: str, step: bool) -> None:
    """Run the phases after the recorded one (only the next one with `step`)."""
    entry = _entry(root, name)
    if runner is not None and runner != entry["runner"]:
        raise exceptions.TutorError(
            f"This rotation runs with --runner {entry['runner']}; continue it with the same "
            "runner. Nothing was changed."
        )
    runner = entry["runner"]
    done = PHASES.index(entry["phase"]) + 1 if entry.get("phase") else 0
    for number, name_of_phase in enumerate(PHASES[done:], start=done + 1):
        fmt.echo_info(f"Phase {number}/{len(PHASES)} of the rotation of {name}: {name_of_phase}")
        entry = _run(root, runner, name, name_of_phase, entry)
        if entry is None or step:
            break
    if entry is None:
        fmt.echo_info(f"{name} runs on its new credentials; the old ones no longer work.")


def _run(root: str, runner: str, name: str, phase_name: str, entry: dict) -> dict | None:
    """One phase; returns the entry recorded after it (None once the rotation is over)."""
    client_name, old, new = f"{name}-sso", entry["client_id"], entry["next"]["client_id"]
    if phase_name == "registered":
        runners.sync_lms(root, runner)
    elif phase_name == "switched":
        # Recorded first, so the environment renders the next credentials for the app; should
        # the restart be cut short, resuming restarts it again.
        entry = {**entry, clients.ON_NEXT: True}
        _record(root, name, entry)
        # Stopped first: a code is then never exchanged under the other application's
        # credentials, by the old app after the hand-over or by the new one before it.
        runners.stop_app(root, runner, name)
        hand_over(root, runner, client_name, clients.OWNER, old, new)
        runners.recreate_app(root, runner, name)
    else:
        retire(root, runner, client_name, clients.OWNER, old, new)
        _record(root, name, dict(entry["next"]))
        runners.sync_lms(root, runner)
        return None
    entry = {**entry, "phase": phase_name}
    _record(root, name, entry)
    return entry


def abort(root: str, runner: str | None, name: str) -> None:
    """Drop the next credentials, while the app still runs on the current ones."""
    entry = _entry(root, name)
    if entry.get(clients.ON_NEXT):
        raise exceptions.TutorError(
            f"{name} already runs on its next credentials: finish with `tutor lmsauth "
            f"rotate-client {name} --resume`."
        )
    runner = entry["runner"] if runner is None else runner
    if entry.get("phase") == "registered":
        following = entry["next"]["client_id"]
        retire(root, runner, f"{name}-sso.next", clients.OWNER, following, "")
    kept = {key: entry[key] for key in ("client_id", "client_secret")}
    _record(root, name, kept)
    fmt.echo_info(f"Rotation of {name} dropped: it keeps client id {kept['client_id']}.")
