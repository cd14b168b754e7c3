"""`tutor lmsauth rotate-secret --runner k8s` through the real Tutor CLI with kubectl and the
Kubernetes API stood in (devstack/k8s_runner.py): what would be applied, in which order,
and that each apply really rolls the app's pods."""

import json

from devstack.tutor_project import LMS_HOST, TutorProject, enabled_project
from tests.plugin.conftest import NOTEBOOKS
from tutorplugin.config import CLIENT_SECRET as SECRET
from tutorplugin.config import PREVIOUS_CLIENT_SECRET as PREVIOUS
from tutorplugin.config import ROTATION as STATE


def pod_checksum(root: TutorProject) -> str:
    for obj in root.k8s_objects():
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "lmsauth":
            return obj["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
    raise AssertionError("no lmsauth Deployment")


def lms_settings_configmap(root: TutorProject) -> tuple[str, str]:
    """The name (with its content hash) and the text of the LMS settings ConfigMap."""
    for obj in root.k8s_objects():
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"].startswith(
            "openedx-settings-lms"
        ):
            return obj["metadata"]["name"], json.dumps(obj["data"])
    raise AssertionError("no LMS settings ConfigMap")


def test_k8s_rotation_rolls_the_app_then_runs_the_lms_job_then_rolls_again(tmp_path):
    root = enabled_project(tmp_path / "root", {"LMS_HOST": LMS_HOST})
    old = root.config()[SECRET]
    checksums = [pod_checksum(root)]
    outputs = []
    records = []

    for number in range(4):
        args = ("--runner", "k8s", "--step") if number == 0 else ("--resume", "--step")
        output, record = root.k8s("lmsauth", "rotate-secret", *args)
        outputs.append(output)
        records.append(record)
        checksums.append(pod_checksum(root))
        if number == 2:
            settings_name, settings_text = lms_settings_configmap(root)

    new = root.config()[SECRET]
    assert new != old and root.config().get(PREVIOUS, "") == "" and STATE not in root.config()
    # Phase 1 only saves; the app's Secret (and so the pods' checksum) changes with each
    # secret change, so applying it rolls the pods.
    assert records[0]["kubectl"] == []
    assert len(set(checksums)) == 3 and checksums[1] == checksums[2] == checksums[3]

    for phase in (records[1], records[3]):
        calls = [" ".join(call) for call in phase["kubectl"]]
        apply_app = next(i for i, c in enumerate(calls) if "app.kubernetes.io/name=lmsauth" in c)
        assert calls[apply_app].startswith("apply --kustomize")
        rollout = next(i for i, c in enumerate(calls) if c.startswith("rollout status"))
        assert apply_app < rollout and "deployment/lmsauth" in calls[rollout]
        assert phase["applied"] == []

    sync = records[2]
    calls = [" ".join(call) for call in sync["kubectl"]]
    settings_apply = next(i for i, c in enumerate(calls) if "app.kubernetes.io/name=openedx" in c)
    job_apply = next(i for i, c in enumerate(calls) if c.startswith("apply -f"))
    assert settings_apply < job_apply
    (job,) = sync["applied"]
    assert job["kind"] == "Job" and job["metadata"]["name"].startswith("lms-job-")
    # The job mounts the settings ConfigMap just applied, which holds the new secret.
    volumes = job["spec"]["template"]["spec"]["volumes"]
    mounted = {v["configMap"]["name"] for v in volumes if "configMap" in v}
    assert settings_name in mounted and new in settings_text and old not in settings_text
    job_text = json.dumps(job)
    assert "lmsauth-sync" in job_text
    kubectl_calls = json.dumps([record["kubectl"] for record in records])
    for secret in (old, new):
        assert secret not in job_text and secret not in kubectl_calls
        assert all(secret not in output for output in outputs)


def test_k8s_client_rotation_runs_its_lms_jobs_without_secrets(tmp_path):
    root = enabled_project(
        tmp_path / "root",
        {
            "LMS_HOST": LMS_HOST,
            "LMSAUTH_EXTRA_CLIENTS": {"exporter": {"grant_type": "client-credentials"}},
        },
    )
    rotate = ("lmsauth", "rotate-client", "exporter", "--runner", "k8s")

    started, start = root.k8s(*rotate)
    new_secret = root.config()["LMSAUTH_EXTRA_CLIENTS"]["exporter.next"]["client_secret"]
    finished, finish = root.k8s(*rotate, "--finish")

    assert ["lmsauth-sync" in json.dumps(job) for job in start["applied"]] == [True]
    retire, sync = finish["applied"]
    retire_script = retire["spec"]["template"]["spec"]["containers"][0]["args"][-1]
    # The retirement job reads its plan from the LMS settings; its script names no client.
    assert "LMSAUTH_CLIENT_RETIREMENT" in retire_script and "exporter" not in retire_script
    assert "lmsauth-sync" in json.dumps(sync)
    for phase in (start, finish):
        calls = [" ".join(call) for call in phase["kubectl"]]
        settings_applies = [i for i, c in enumerate(calls) if "name=openedx" in c]
        job_applies = [i for i, c in enumerate(calls) if c.startswith("apply -f")]
        # Each job comes after the settings it mounts were applied.
        assert settings_applies and all(any(s < j for s in settings_applies) for j in job_applies)
    everything = started + finished + json.dumps([start, finish])
    assert new_secret not in everything


def test_k8s_switch_of_a_declared_app_stops_it_hands_over_its_codes_then_starts_it(tmp_path):
    root = enabled_project(
        tmp_path / "root", {"LMS_HOST": LMS_HOST, "LMSAUTH_APPS": {"notebooks": NOTEBOOKS}}
    )
    rotate = ("lmsauth", "rotate-client", "notebooks")
    root.k8s(*rotate, "--runner", "k8s", "--step")
    old = root.config()["LMSAUTH_APP_CREDENTIALS"]["notebooks"]

    output, switch = root.k8s(*rotate, "--resume", "--step")

    calls = [" ".join(call) for call in switch["kubectl"]]
    stop = next(i for i, c in enumerate(calls) if c.startswith("delete"))
    assert "app.kubernetes.io/name=notebooks" in calls[stop]
    job = next(i for i, c in enumerate(calls) if c.startswith("apply -f"))
    start = next(i for i, c in enumerate(calls) if c.startswith("apply --kustomize") and i > job)
    assert "app.kubernetes.io/name=notebooks" in calls[start]
    rollout = next(i for i, c in enumerate(calls) if c.startswith("rollout status"))
    assert stop < job < start < rollout and "deployment/notebooks" in calls[rollout]
    # The job that hands the codes over reads its plan from the LMS settings it mounts.
    (hand_over,) = switch["applied"]
    assert "LMSAUTH_CLIENT_RETIREMENT" in json.dumps(hand_over)
    for secret in (old["client_secret"], old["next"]["client_secret"]):
        assert secret not in output and secret not in json.dumps(switch)
