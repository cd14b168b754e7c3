"""The plugin's jobs: its init tasks, and `tutor local|dev|k8s do lmsauth-sync`.

Every script is a template under templates/lmsauth/tasks/<service>/, which Tutor renders when
the job runs. Tutor prints the scripts and, on Kubernetes, stores them in the Job: they hold no
secret and no value of the operator's; the data they act on comes from the environment or the
settings of the service they run in.
"""

from collections.abc import Iterator

import click
from tutor.commands import k8s
from tutor.commands.context import BaseTaskContext

from .paths import TEMPLATES_DIR

TASKS_DIR = TEMPLATES_DIR / "lmsauth" / "tasks"
# The label of Tutor's Open edX settings ConfigMaps on Kubernetes.
SETTINGS_CONFIGMAPS = "openedx"


def task(service: str, name: str) -> tuple[str, str]:
    """(service, script) of templates/lmsauth/tasks/<service>/<name>."""
    return service, (TASKS_DIR / service / name).read_text(encoding="utf-8")


# Registers every OAuth client in the LMS (LMSAUTH_OAUTH_CLIENTS of the LMS settings).
SYNC = task("lms", "sync")
# Retires an extra client's old or new credentials (LMSAUTH_CLIENT_RETIREMENT of the settings).
RETIRE = task("lms", "retire")
# Reports what the LMS holds and what the running apps use, for `tutor lmsauth doctor`.
DOCTOR = task("lms", "doctor")


def init_tasks() -> list[tuple[str, str]]:
    """(service, script) pairs, in order: the app's MySQL database and user, the app's
    migrations, then the clients in the LMS.

    The MySQL task always runs (a task cannot depend on the config): in SQLite mode it only says
    so. Its credentials come from the job's environment.
    """
    return [task("lmsauth-mysql", "init"), task("lmsauth", "init"), SYNC]


@click.command(name="lmsauth-sync", help="Register the lmsauth OAuth clients in the LMS.")
@click.pass_obj
def sync_command(context: BaseTaskContext) -> Iterator[tuple[str, str]]:
    if isinstance(context, k8s.K8sContext):
        # The job mounts the LMS settings ConfigMap by its content hash: create the one holding
        # the clients just saved first, or the job's pod waits for it forever. Running LMS pods
        # keep the one they mount.
        click.get_current_context().invoke(k8s.start, names=[SETTINGS_CONFIGMAPS])
    yield SYNC
