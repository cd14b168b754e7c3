"""The `tutor lmsauth ...` commands: client status, credentials, and secret rotation."""

import click
from tutor import config as tutor_config
from tutor import exceptions, fmt
from tutor.commands.context import Context

from . import rotation, runners
from .credentials import fingerprint


@click.group(name="lmsauth", help="Manage the OAuth clients of the lmsauth plugin.")
def lmsauth() -> None:
    pass


@lmsauth.command(help="Show each client's id, a fingerprint of its secret, any rotation under way.")
@click.pass_obj
def status(context: Context) -> None:
    config = tutor_config.load(context.root)
    previous = str(config.get(rotation.PREVIOUS_KEY) or "")
    line = (
        f"lmsauth (bundled app)  client id {config['LMSAUTH_CLIENT_ID']}  "
        f"secret {fingerprint(str(config[rotation.SECRET_KEY]))}"
    )
    if previous:
        line += f"  previous secret {fingerprint(previous)}"
    click.echo(line)
    under_way = rotation.State.of(config)
    if under_way is None:
        click.echo("No secret rotation under way.")
    else:
        click.echo(_describe(under_way))


def _describe(under_way: rotation.State) -> str:
    what = "Rollback of a secret rotation" if under_way.rolling_back else "Secret rotation"
    done = rotation.PHASE_NAMES.index(under_way.phase)
    following = rotation.PHASES[done + 1]
    return (
        f"{what} under way (runner {under_way.runner}): phase {done + 1}/{len(rotation.PHASES)} "
        f"{under_way.phase} done, next {following.name} ({following.outcome}). Continue with "
        "`tutor lmsauth rotate-secret --resume`."
    )


@lmsauth.command(
    name="rotate-secret",
    help=(
        "Give the bundled app a new client secret without a failed sign-in: the app learns it "
        "first while accepting the old one, then the LMS, then the old one is dropped."
    ),
)
@click.option(
    "--runner",
    type=click.Choice(runners.RUNNERS),
    help="Where the platform runs (required to start; a rotation resumes with its own).",
)
@click.option(
    "--secret",
    envvar="LMSAUTH_NEW_CLIENT_SECRET",
    help=(
        "Use this secret instead of a generated one (32 to 128 letters, digits or . _ ~ -). "
        "Prefer the LMSAUTH_NEW_CLIENT_SECRET environment variable: a command line is visible "
        "to other users of the machine."
    ),
)
@click.option("--step", is_flag=True, help="Run one phase only, then stop.")
@click.option("--resume", is_flag=True, help="Continue the rotation under way.")
@click.option("--abort", is_flag=True, help="Roll the rotation under way back to the old secret.")
@click.pass_obj
def rotate_secret(
    context: Context,
    runner: str | None,
    secret: str | None,
    step: bool,
    resume: bool,
    abort: bool,
) -> None:
    if resume and abort:
        raise exceptions.TutorError("Choose one of --resume and --abort.")
    if (resume or abort) and secret is not None:
        raise exceptions.TutorError("--secret only applies when a rotation starts.")
    if abort or not resume:
        if abort:
            first = rotation.abort(context.root, runner)
        elif runner is None:
            raise exceptions.TutorError(
                "Say where the platform runs: --runner local, --runner dev or --runner k8s."
            )
        else:
            first = rotation.start(context.root, runner, secret)
        if step:
            click.echo(_describe(first))
            return
    left = rotation.resume(context.root, runner, step)
    if left is None:
        fmt.echo_info("Secret rotation finished: the old secret no longer works anywhere.")
    else:
        click.echo(_describe(left))
