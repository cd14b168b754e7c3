"""Saving config, recreating the app and provisioning the LMS through Tutor's own commands.

Rotation drives `tutor config save`, `tutor <runner> start|stop lmsauth` and `tutor <runner> do
lmsauth-sync` in-process (the same functions and click commands, with the same Tutor context
objects), so it runs exactly what an operator would, with the same echoed commands and the same
job runners.
"""

import click
from tutor import config as tutor_config
from tutor import env as tutor_env
from tutor import exceptions, utils
from tutor.commands import compose, dev, k8s, local
from tutor.commands.context import BaseTaskContext
from tutor.types import Config

from .. import jobs

RUNNERS = ("local", "dev", "k8s")
APP_SERVICE = "lmsauth"
ROLLOUT_TIMEOUT = "600s"


def save_config(root: str, config: Config) -> None:
    """Persist config.yml and re-render the environment, as `tutor config save` does."""
    tutor_config.save_config_file(root, config)
    tutor_env.save(root, tutor_config.load_full(root))


def tutor_context(root: str, runner: str) -> click.Context:
    groups: dict[str, tuple[click.Group, BaseTaskContext]] = {
        "local": (local.local, local.LocalContext(root)),
        "dev": (dev.dev, dev.DevContext(root)),
        "k8s": (k8s.k8s, k8s.K8sContext(root)),
    }
    if runner not in groups:
        raise exceptions.TutorError(f"Unknown runner {runner!r}: use one of {', '.join(RUNNERS)}.")
    group, obj = groups[runner]
    return click.Context(group, info_name=runner, obj=obj)


def recreate_app(root: str, runner: str, service: str = APP_SERVICE) -> None:
    """Restart an app on the configuration just saved, and return once it serves it."""
    with tutor_context(root, runner) as context:
        if runner == "k8s":
            context.invoke(k8s.start, names=[service])
            _wait_for_rollout(root, service)
        else:
            # `up -d` recreates the container because its environment changed.
            context.invoke(compose.start, detach=True, services=[service])


def stop_app(root: str, runner: str, service: str) -> None:
    """Stop an app (`tutor <runner> stop <service>`); Caddy holds its requests until it is
    started again. On Kubernetes its Deployment and Service are deleted, as Tutor's stop does."""
    with tutor_context(root, runner) as context:
        if runner == "k8s":
            context.invoke(k8s.stop, names=[service])
        else:
            context.invoke(compose.stop, services=[service])


def _wait_for_rollout(root: str, service: str) -> None:
    # The Deployment's pod template carries a checksum of the app's Secret, so the apply above
    # rolls the pods; the next phase relies on every replica running the new environment.
    namespace = k8s.resource_namespace_selector(tutor_config.load(root))
    deployment = f"deployment/{service}"
    utils.kubectl("rollout", "status", *namespace, deployment, f"--timeout={ROLLOUT_TIMEOUT}")


def sync_lms(root: str, runner: str) -> None:
    """Run `tutor <runner> do lmsauth-sync`: the LMS job that registers every client."""
    with tutor_context(root, runner) as context:
        # The command as Tutor registered it: its callback runs the job through the runner.
        context.invoke(jobs.sync_command)


def run_lms_job(root: str, runner: str, task: tuple[str, str]) -> None:
    """Run a (service, script) task, with the job runner `tutor <runner> do` uses."""
    with tutor_context(root, runner) as context:
        if runner == "k8s":
            # As for lmsauth-sync: the job mounts the LMS settings ConfigMap by content hash.
            context.invoke(k8s.start, names=[jobs.SETTINGS_CONFIGMAPS])
        context.obj.job_runner(tutor_config.load(root)).run_task_from_str(*task)
