"""Run the real `tutor k8s ...` CLI with no cluster: kubectl and the Kubernetes API are stood in.

    python -m devstack.k8s_runner RECORD.json k8s do init --limit lmsauth

`kubectl kustomize` runs for real (it needs no cluster); every other kubectl call is recorded
instead of run, with the manifests of `kubectl apply -f FILE`. Jobs report success at once,
unless FAKE_DOCKER_LMS_JOBS names how to run LMS jobs against the stand-in LMS (see
StandinLMS.live_jobs): then each applied `lms-job-*` Job's script runs at once, its exit status
is the Job's, and its output is its pod's log.
RECORD.json receives {"kubectl": [argv, ...], "applied": [manifest, ...]}.
Run it in a subprocess: Tutor keeps per-process state.
"""

import json
import os
import subprocess
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
        # Job name -> (exit status, output) of the LMS jobs run against the stand-in.
        self.ran: dict[str, tuple[int, str]] = {}

    def run_kubectl(self, *command: str) -> int:
        self.kubectl.append(list(command))
        if command[:2] == ("apply", "-f"):
            # Tutor deletes the file right after this call: read it now.
            text = Path(command[2]).read_text(encoding="utf-8")
            manifests = [doc for doc in yaml.safe_load_all(text) if doc]
            self.applied.extend(manifests)
            for manifest in manifests:
                self.run_lms_job(manifest)
        return 0

    def run_lms_job(self, manifest: dict) -> None:
        name = manifest["metadata"]["name"]
        spec_path = os.environ.get("FAKE_DOCKER_LMS_JOBS")
        if not spec_path or manifest["kind"] != "Job" or not name.startswith("lms-job-"):
            return
        with open(spec_path, encoding="utf-8") as spec_file:
            spec = json.load(spec_file)
        script = manifest["spec"]["template"]["spec"]["containers"][0]["args"][-1]
        result = subprocess.run(
            ["sh", "-e", "-c", script],
            cwd=spec["cwd"],
            env=spec["env"],
            # A pod's log holds both streams.
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ran[name] = (result.returncode, result.stdout)

    def save(self, path: Path) -> None:
        record = {"kubectl": self.kubectl, "applied": self.applied}
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")


class FinishedJobs:
    """The batch API as Tutor polls it: no job is running, and the one it waits for succeeded
    (or failed, for an LMS job that was run and failed)."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def list_namespaced_job(self, namespace: str, **selectors: str) -> SimpleNamespace:
        if "field_selector" not in selectors:
            return SimpleNamespace(items=[])
        name = selectors["field_selector"].split("=", 1)[1]
        failed = self.recorder.ran.get(name, (0, ""))[0] != 0
        status = SimpleNamespace(active=0, succeeded=int(not failed), failed=int(failed))
        return SimpleNamespace(
            items=[SimpleNamespace(metadata=SimpleNamespace(name=name), status=status)]
        )


class JobPods:
    """The core API for the log of a Job's pod: one pod per LMS job run, named after its Job."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def list_namespaced_pod(self, namespace: str, label_selector: str) -> SimpleNamespace:
        name = label_selector.removeprefix("job-name=")
        if name not in self.recorder.ran:
            return SimpleNamespace(items=[])
        phase = "Succeeded" if self.recorder.ran[name][0] == 0 else "Failed"
        pod = SimpleNamespace(
            metadata=SimpleNamespace(name=name), status=SimpleNamespace(phase=phase)
        )
        return SimpleNamespace(items=[pod])

    def read_namespaced_pod_log(self, name: str, namespace: str) -> str:
        return self.recorder.ran[name][1]


def main() -> None:
    record_path = Path(sys.argv[1])
    recorder = Recorder()
    utils.kubectl = recorder.run_kubectl
    k8s.K8sClients._instance = SimpleNamespace(
        batch_api=FinishedJobs(recorder), core_api=JobPods(recorder)
    )
    sys.argv = ["tutor", *sys.argv[2:]]
    try:
        tutor_main()
    finally:
        recorder.save(record_path)


if __name__ == "__main__":
    main()
