"""The `tutor lmsauth ...` commands: client status, credentials, and rotation."""

import click
from click.core import ParameterSource
from tutor import config as tutor_config
from tutor import exceptions, fmt
from tutor.commands.context import Context

from . import apps, clients, doctor
from .client_secrets import fingerprint
from .config import CLIENT_ID, CLIENT_SECRET, EXTRA_CLIENTS, PREVIOUS_CLIENT_SECRET
from .rotation import app_credentials, bundled_secret, extra_credentials, runners

# The environment variable --secret reads: an operator's secret stays off the command line.
NEW_SECRET_VARIABLE = "LMSAUTH_NEW_CLIENT_SECRET"

# The options both rotation commands take.
new_secret_option = click.option(
    "--secret",
    envvar=NEW_SECRET_VARIABLE,
    help=(
        "Use this secret instead of a generated one (32 to 128 letters, digits or . _ ~ -). "
        f"Prefer the {NEW_SECRET_VARIABLE} environment variable: a command line is visible to "
        "other users of the machine."
    ),
)
step_option = click.option("--step", is_flag=True, help="Run one phase only, then stop.")
resume_option = click.option("--resume", is_flag=True, help="Continue the rotation under way.")


@click.group(name="lmsauth", help="Manage the OAuth clients of the lmsauth plugin.")
def lmsauth() -> None:
    pass


@lmsauth.command(help="Show each client's id, a fingerprint of its secret, any rotation under way.")
@click.pass_obj
def status(context: Context) -> None:
    config = tutor_config.load(context.root)
    previous = str(config.get(PREVIOUS_CLIENT_SECRET) or "")
    line = (
        f"lmsauth (bundled app)  client id {config[CLIENT_ID]}  "
        f"secret {fingerprint(str(config[CLIENT_SECRET]))}"
    )
    if previous:
        line += f"  previous secret {fingerprint(previous)}"
    click.echo(line)
    for app in apps.declared_apps(config):
        client_id, secret = clients.app_credentials(config, app)
        click.echo(
            f"{app.name} (app at {app.public_url}/)  client id {client_id}  "
            f"secret {fingerprint(secret)}"
        )
        following = clients.next_app_credentials(config, app)
        if following:
            done = app_credentials.phase(config, app.name) or "none"
            click.echo(
                f"  Credentials rotation under way (phase done: {done}), next client id "
                f"{following[0]}: continue with `tutor lmsauth rotate-client {app.name} --resume`."
            )
    for client in clients.extra_clients(config):
        click.echo(
            f"{client['name']} (extra client)  client id {client['client_id']}  "
            f"secret {fingerprint(client['client_secret'])}"
        )
        if client["name"].endswith(extra_credentials.NEXT_SUFFIX):
            name = client["name"].removesuffix(extra_credentials.NEXT_SUFFIX)
            click.echo(
                f"  Credentials rotation of {name} under way: both client ids work until "
                f"`tutor lmsauth rotate-client {name} --runner ... --finish` (or --abort)."
            )
    under_way = bundled_secret.State.of(config)
    if under_way is None:
        click.echo("No secret rotation under way.")
    else:
        click.echo(_describe(under_way))


def _describe(under_way: bundled_secret.State) -> str:
    return (
        bundled_secret.describe(under_way)
        + ". Continue with `tutor lmsauth rotate-secret --resume`."
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
@new_secret_option
@step_option
@resume_option
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
    if (resume or abort) and _on_command_line("secret"):
        raise exceptions.TutorError("--secret only applies when a rotation starts.")
    if abort or not resume:
        if abort:
            first = bundled_secret.abort(context.root, runner)
        elif runner is None:
            raise exceptions.TutorError(
                "Say where the platform runs: --runner local, --runner dev or --runner k8s."
            )
        else:
            first = bundled_secret.start(context.root, runner, secret)
        if step:
            click.echo(_describe(first))
            return
    under_way = bundled_secret.state(context.root)
    left = bundled_secret.resume(context.root, runner, step)
    if left is not None:
        click.echo(_describe(left))
    elif under_way is not None and under_way.rolling_back:
        fmt.echo_info("Rollback finished: the app and the LMS use the old secret again.")
    else:
        fmt.echo_info("Secret rotation finished: the old secret no longer works anywhere.")


def _on_command_line(option: str) -> bool:
    """Whether the operator typed this option, rather than exporting its environment variable.

    An exported LMSAUTH_NEW_CLIENT_SECRET, as the README advises, is still set when the
    rotation is resumed or finished, where it plays no part.
    """
    source = click.get_current_context().get_parameter_source(option)
    return source is ParameterSource.COMMANDLINE


@lmsauth.command(
    name="doctor",
    help=(
        "Check that the LMS holds every OAuth client as the config says, and that the running "
        "app uses the client, redirect URI and JWT keys the LMS expects: one line per check, "
        "each problem with the command that fixes it. Changes nothing; exits 1 on any problem."
    ),
)
@click.option(
    "--runner",
    type=click.Choice(runners.RUNNERS),
    required=True,
    help="Where the platform runs: the LMS job that reads the clients runs there.",
)
@click.pass_obj
def doctor_command(context: Context, runner: str) -> None:
    checks = doctor.examine(context.root, runner)
    for check in checks:
        click.echo(check.line())
    problems = [check for check in checks if not check.ok]
    if problems:
        raise exceptions.TutorError(
            f"{len(problems)} problem(s) found: each PROBLEM line says how to fix it."
        )
    fmt.echo_info(f"All {len(checks)} checks passed.")


@lmsauth.command(name="clients", help="List the extra OAuth clients declared in config.")
@click.pass_obj
def list_clients(context: Context) -> None:
    extra = clients.extra_clients(tutor_config.load(context.root))
    if not extra:
        click.echo(f"No extra client: declare them in {EXTRA_CLIENTS}.")
    for client in extra:
        uris = " ".join(client["redirect_uris"]) or "-"
        click.echo(
            f"{client['name']}  client id {client['client_id']}  {client['grant_type']}  "
            f"{client['client_type']}  scopes {' '.join(client['scopes']) or '-'}  "
            f"redirect URIs {uris}"
        )


@lmsauth.command(
    help=(
        "Print the client id and secret of the extra client NAME, to configure the external app "
        "that uses it (NAME.next during a rotation)."
    )
)
@click.argument("name")
@click.pass_obj
def credentials(context: Context, name: str) -> None:
    config = tutor_config.load(context.root)
    if name not in (config.get(EXTRA_CLIENTS) or {}):
        raise exceptions.TutorError(
            f"No extra client named {name!r}: `tutor lmsauth clients` lists them."
        )
    client = clients.extra_client(config, name)
    click.echo(f"client_id: {client['client_id']}")
    click.echo(f"client_secret: {client['client_secret']}")


@lmsauth.command(
    name="rotate-client",
    help=(
        "Rotate the credentials of the app or extra client NAME by overlap, without a failed "
        "sign-in. A declared app (LMSAUTH_APPS) is registered with new credentials beside its "
        "old ones, restarted on them, and the old ones are retired, in one resumable command. "
        "For an extra client, NAME.next is registered beside NAME; once the external app uses "
        "it, --finish retires the old credentials (--abort retires the new ones instead)."
    ),
)
@click.argument("name")
@click.option(
    "--runner",
    type=click.Choice(runners.RUNNERS),
    help="Where the platform runs (required to start; an app's rotation resumes with its own).",
)
@click.option("--client-id", help="The new client id (default: NAME-<8 hex digits>).")
@new_secret_option
@click.option("--finish", is_flag=True, help="Extra client: retire the old credentials.")
@click.option("--abort", is_flag=True, help="Retire the new credentials.")
@step_option
@resume_option
@click.pass_obj
def rotate_client(
    context: Context,
    name: str,
    runner: str | None,
    client_id: str | None,
    secret: str | None,
    finish: bool,
    abort: bool,
    step: bool,
    resume: bool,
) -> None:
    if sum((finish, abort, resume)) > 1:
        raise exceptions.TutorError("Choose one of --finish, --resume and --abort.")
    if (finish or abort or resume) and (client_id or _on_command_line("secret")):
        raise exceptions.TutorError("--client-id and --secret only apply when a rotation starts.")
    app = app_credentials.declared_app(tutor_config.load(context.root), name)
    if app is not None:
        _rotate_app(context.root, app, runner, client_id, secret, abort, step, resume or finish)
        return
    if step or resume:
        raise exceptions.TutorError(
            "--step and --resume are for declared apps; an extra client's rotation ends with "
            "--finish."
        )
    if runner is None:
        raise exceptions.TutorError(
            "Say where the platform runs: --runner local, --runner dev or --runner k8s."
        )
    if finish:
        extra_credentials.finish(context.root, runner, name)
    elif abort:
        extra_credentials.abort(context.root, runner, name)
    else:
        extra_credentials.start(context.root, runner, name, client_id, secret)
        next_name = extra_credentials.next_name(name)
        click.echo(
            f"Both credentials work now. Give your app those of {next_name} (`tutor lmsauth "
            f"credentials {next_name}`), then run `tutor lmsauth rotate-client {name} --runner "
            f"{runner} --finish`."
        )


def _rotate_app(
    root: str,
    app: apps.App,
    runner: str | None,
    client_id: str | None,
    secret: str | None,
    abort: bool,
    step: bool,
    resume: bool,
) -> None:
    if abort:
        app_credentials.abort(root, runner, app.name)
    elif resume:
        app_credentials.resume(root, runner, app.name, step)
    elif runner is None:
        raise exceptions.TutorError(
            "Say where the platform runs: --runner local, --runner dev or --runner k8s."
        )
    else:
        app_credentials.start(root, runner, app, client_id, secret, step)
