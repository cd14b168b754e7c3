"""Run the real `tutor k8s ...` CLI with no cluster: kubectl and the Kubernetes API are stood in.

    python -m devstack.k8s_runner RECORD.json k8s do init --limit lmsauth

`kubectl kustomize` runs for real (it needs no cluster); every other kubectl call is recorded
instead of run, with the manifests of `kubectl apply -f FILE`. Jobs report success at once.
RECORD.json receives {"kubectl": [argv, ...], "applied": [manifest, ...]}.
Run it in a subprocess: Tutor keeps per-process state.
"""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import yaml
from tutor import utils
from tutor.commands import k8s
from tutor.commands.cli import main as tutor_main


class Recorder:
    def __init__(self) -> None:
        self.kubectl: list[list[str]] = []
        self.applied: list[dict] = []

    def run_kubectl(self, *command: str) -> int:
        self.kubectl.append(list(command))
        if command[:2] == ("apply", "-f"):
            # Tutor deletes the file right after this call: read it now.
            text = Path(command[2]).read_text(encoding="utf-8")
            self.applied.extend(doc for doc in yaml.safe_load_all(text) if doc)
        return 0

    def save(self, path: Path) -> None:
        record = {"kubectl": self.kubectl, "applied": self.applied}
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")


class FinishedJobs:
    """The batch API as Tutor polls it: no job is running, and the one it waits for succeeded."""

    def list_namespaced_job(self, namespace: str, **selectors: str) -> SimpleNamespace:
        if "field_selector" not in selectors:
            return SimpleNamespace(items=[])
        name = selectors["field_selector"].split("=", 1)[1]
        status = SimpleNamespace(active=0, succeeded=1, failed=0)
        return SimpleNamespace(
            items=[SimpleNamespace(metadata=SimpleNamespace(name=name), status=status)]
        )


def main() -> None:
    record_path = Path(sys.argv[1])
    recorder = Recorder()
    utils.kubectl = recorder.run_kubectl
    k8s.K8sClients._instance = SimpleNamespace(batch_api=FinishedJobs(), core_api=None)
    sys.argv = ["tutor", *sys.argv[2:]]
    try:
        tutor_main()
    finally:
        recorder.save(record_path)


if __name__ == "__main__":
    main()
