"""Running an LMS job and reading what it printed, with the job runner `tutor <runner> do` uses.

Tutor's job runners stream a job's output to the terminal and keep none of it. To read it:
- local and dev: the runner makes its own `docker compose ... run --rm [-T] lms-job sh -e -c
  SCRIPT` call (its compose files, project name and choice of a tty) through its
  `docker_compose` method; on this one runner object, that method gives way to the runner's
  `docker_compose_output`, Tutor's own way to capture what a compose command prints. The job's
  standard error still reaches the terminal.
- k8s: the runner renders the Job, gives it a unique name (`lms-job-<timestamp>`), applies it
  and waits for it to end. The Job is kept as the runner renders it, and the log of its pod is
  then read with the Kubernetes API client Tutor itself uses.
"""

from collections.abc import Iterable
from typing import Any

from tutor import config as tutor_config
from tutor import exceptions
from tutor.commands import k8s
from tutor.types import Config

from . import jobs
from .rotation import runners


class _KeptJobRunner(k8s.K8sTaskRunner):
    """Tutor's Kubernetes job runner, keeping the Job it renders (the runner names it)."""

    job: Any = None

    def _find_job(self, name: str, all_jobs: Iterable[Any]) -> Any:
        self.job = super()._find_job(name, all_jobs)
        return self.job


def lms_job_output(root: str, runner: str, task: tuple[str, str]) -> str:
    """Run the (service, script) `task` as `tutor <runner> do` runs a job; return what it printed
    on its standard output."""
    config = tutor_config.load(root)
    if runner == "k8s":
        with runners.tutor_context(root, runner) as context:
            # As for lmsauth-sync: the job mounts the LMS settings ConfigMap by content hash.
            context.invoke(k8s.start, names=[jobs.SETTINGS_CONFIGMAPS])
        k8s_runner = _KeptJobRunner(root, config)
        k8s_runner.run_task_from_str(*task)
        return _pod_log(config, k8s_runner.job["metadata"]["name"])
    with runners.tutor_context(root, runner) as context:
        compose_runner = context.obj.job_runner(config)
    printed: list[bytes] = []

    def docker_compose(*command: str) -> int:
        printed.append(compose_runner.docker_compose_output(*command))
        return 0

    compose_runner.docker_compose = docker_compose
    compose_runner.run_task_from_str(*task)
    return b"".join(printed).decode("utf-8", errors="replace")


def _pod_log(config: Config, job_name: str) -> str:
    namespace = k8s.k8s_namespace(config)
    core_api = k8s.K8sClients.instance().core_api
    pods = core_api.list_namespaced_pod(namespace, label_selector=f"job-name={job_name}").items
    if not pods:
        raise exceptions.TutorError(f"The job {job_name} left no pod to read its output from.")
    # A Job may retry once (Tutor's backoffLimit): the pod that succeeded has the answer.
    done = [pod for pod in pods if pod.status.phase == "Succeeded"] or pods
    return str(core_api.read_namespaced_pod_log(done[-1].metadata.name, namespace))
