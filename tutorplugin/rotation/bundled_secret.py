"""Rotation of the bundled app's client secret, one recorded phase at a time.

The app learns the new secret first while still accepting the old one, then the LMS gets it,
then the app forgets the old one: at no moment does the LMS hold a secret the app refuses.
Each finished phase is written to config (LMSAUTH_ROTATION) together with the change it made,
so a rotation interrupted anywhere can be resumed, or rolled back by the same steps run with
the two secrets swapped.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from tutor import config as tutor_config
from tutor import exceptions, fmt
from tutor.types import Config

from .. import client_secrets, clients
from ..client_secrets import fingerprint
from ..config import CLIENT_SECRET, PREVIOUS_CLIENT_SECRET, ROTATION
from . import runners


@dataclass(frozen=True)
class Phase:
    name: str
    outcome: str
    # (root, runner); None for the first phase, which happens when the rotation is recorded.
    run: Callable[[str, str], None] | None


@dataclass(frozen=True)
class State:
    runner: str
    phase: str
    rolling_back: bool = False

    @classmethod
    def of(cls, config: Config) -> "State | None":
        value = config.get(ROTATION)
        if not value:
            return None
        return cls(str(value["runner"]), str(value["phase"]), bool(value.get("rolling_back")))

    def as_config(self) -> dict[str, object]:
        return {"runner": self.runner, "phase": self.phase, "rolling_back": self.rolling_back}


def _drop_previous(root: str, runner: str) -> None:
    config = tutor_config.load_minimal(root)
    config.pop(PREVIOUS_CLIENT_SECRET, None)
    runners.save_config(root, config)
    runners.recreate_app(root, runner)


PHASES: tuple[Phase, ...] = (
    Phase("staged", "new secret saved; the app and the LMS still use the old one", None),
    Phase("app-updated", "the app accepts the new secret and the old one", runners.recreate_app),
    Phase("lms-updated", "the LMS uses the new secret", runners.sync_lms),
    Phase("finished", "the app drops the old secret and accepts the new one only", _drop_previous),
)
PHASE_NAMES = tuple(phase.name for phase in PHASES)
# Up to this phase the LMS may still hold the old secret, so going back is a rotation too.
LAST_ABORTABLE = "app-updated"


def describe(under_way: State) -> str:
    """Where the rotation under way stands, e.g. `Secret rotation under way (runner local): phase
    1/4 staged done, next app-updated (...)`."""
    what = "Rollback of a secret rotation" if under_way.rolling_back else "Secret rotation"
    done = PHASE_NAMES.index(under_way.phase)
    following = PHASES[done + 1]
    return (
        f"{what} under way (runner {under_way.runner}): phase {done + 1}/{len(PHASES)} "
        f"{under_way.phase} done, next {following.name} ({following.outcome})"
    )


def state(root: str) -> State | None:
    return State.of(tutor_config.load_minimal(root))


def _record(root: str, new_state: State | None) -> None:
    config = tutor_config.load_minimal(root)
    if new_state is None:
        config.pop(ROTATION, None)
    else:
        config[ROTATION] = new_state.as_config()
    # No template reads the state: config.yml alone changes.
    tutor_config.save_config_file(root, config)


def _refuse_environment_override() -> None:
    for key in (CLIENT_SECRET, PREVIOUS_CLIENT_SECRET, ROTATION):
        if f"TUTOR_{key}" in os.environ:
            raise exceptions.TutorError(
                f"TUTOR_{key} is set in the environment and would override what the rotation "
                "saves; unset it first. Nothing was changed."
            )


def start(root: str, runner: str, secret: str | None) -> State:
    """Record a new rotation (phase 'staged'): new secret current, the old one kept as previous."""
    _refuse_environment_override()
    config = tutor_config.load_minimal(root)
    under_way = State.of(config)
    if under_way:
        raise exceptions.TutorError(
            f"A rotation is already under way (phase {under_way.phase}, runner "
            f"{under_way.runner}): finish it with `tutor lmsauth rotate-secret --resume` or roll "
            "it back with `tutor lmsauth rotate-secret --abort`."
        )
    current = str(config[CLIENT_SECRET])
    # The full configuration passes the plugin's checks before the rotation writes anything.
    extra = clients.extra_clients(tutor_config.load_full(root))
    if secret is None:
        secret = client_secrets.generate()
    else:
        client_secrets.validate(secret, current, [client["client_secret"] for client in extra])
    config[PREVIOUS_CLIENT_SECRET] = current
    config[CLIENT_SECRET] = secret
    new_state = State(runner, PHASES[0].name)
    config[ROTATION] = new_state.as_config()
    runners.save_config(root, config)
    fmt.echo_info(
        f"Phase 1/{len(PHASES)}, {PHASES[0].name}: {PHASES[0].outcome} (new secret "
        f"{fingerprint(secret)} replaces {fingerprint(current)})."
    )
    return new_state


def abort(root: str, runner: str | None) -> State:
    """Turn the rotation under way into a rotation back to the old secret."""
    _refuse_environment_override()
    config = tutor_config.load_minimal(root)
    under_way = _require(State.of(config))
    _check_runner(under_way, runner)
    if under_way.rolling_back:
        raise exceptions.TutorError(
            "This rotation is already being rolled back: finish that with "
            "`tutor lmsauth rotate-secret --resume`."
        )
    if PHASE_NAMES.index(under_way.phase) > PHASE_NAMES.index(LAST_ABORTABLE):
        raise exceptions.TutorError(
            "The LMS already uses the new secret and only dropping the old one remains: finish "
            "with `tutor lmsauth rotate-secret --resume` (then rotate again if you must)."
        )
    config[CLIENT_SECRET], config[PREVIOUS_CLIENT_SECRET] = (
        config[PREVIOUS_CLIENT_SECRET],
        config[CLIENT_SECRET],
    )
    new_state = State(under_way.runner, PHASES[0].name, rolling_back=True)
    config[ROTATION] = new_state.as_config()
    runners.save_config(root, config)
    fmt.echo_info(
        f"Rolling back to secret {fingerprint(str(config[CLIENT_SECRET]))}, the same way a "
        "rotation goes."
    )
    return new_state


def _check_runner(under_way: State, runner: str | None) -> None:
    if runner is not None and runner != under_way.runner:
        raise exceptions.TutorError(
            f"This rotation runs with --runner {under_way.runner}; continue it with the same "
            "runner. Nothing was changed."
        )


def _require(under_way: State | None) -> State:
    if under_way is None:
        raise exceptions.TutorError(
            "No rotation is under way. Start one with `tutor lmsauth rotate-secret --runner "
            "local|dev|k8s`."
        )
    return under_way


def resume(root: str, runner: str | None, step: bool) -> State | None:
    """Run the phases after the recorded one (only the next one with `step`).

    Returns the state left, or None once the rotation is finished.
    """
    _refuse_environment_override()
    under_way = _require(state(root))
    _check_runner(under_way, runner)
    done = PHASE_NAMES.index(under_way.phase)
    for number, phase in enumerate(PHASES[done + 1 :], start=done + 2):
        fmt.echo_info(f"Phase {number}/{len(PHASES)}, {phase.name}: {phase.outcome}...")
        assert phase.run is not None
        phase.run(root, under_way.runner)
        finished = number == len(PHASES)
        under_way = State(under_way.runner, phase.name, under_way.rolling_back)
        _record(root, None if finished else under_way)
        if finished:
            return None
        if step:
            break
    return under_way
