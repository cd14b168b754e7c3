"""Provisioning: the LMS job that registers the OAuth clients, as init task and `do` command."""

from collections.abc import Iterator

import click
from tutor.commands import k8s
from tutor.commands.context import BaseTaskContext

from .paths import TEMPLATES_DIR

SERVICE = "lms"
SCRIPT = (TEMPLATES_DIR / "lmsauth" / "tasks" / "lms" / "sync").read_text(encoding="utf-8")
# The label of Tutor's Open edX settings ConfigMaps on Kubernetes.
SETTINGS_CONFIGMAPS = "openedx"


def init_task() -> tuple[str, str]:
    return SERVICE, SCRIPT


@click.command(name="lmsauth-sync", help="Register the lmsauth OAuth clients in the LMS.")
@click.pass_obj
def sync_command(context: BaseTaskContext) -> Iterator[tuple[str, str]]:
    if isinstance(context, k8s.K8sContext):
        # The job mounts the LMS settings ConfigMap by its content hash: create the one holding
        # the clients just saved first, or the job's pod waits for it forever. Running LMS pods
        # keep the one they mount.
        click.get_current_context().invoke(k8s.start, names=[SETTINGS_CONFIGMAPS])
    yield init_task()
