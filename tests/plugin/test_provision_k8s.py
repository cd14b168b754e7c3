"""`tutor k8s do init` with kubectl and the Kubernetes API stood in: the Job it would apply."""

import json

import pytest

from devstack.provisioning import (
    StandinDatabase,
    expected_application,
    new_project,
    registered,
    rendered_clients,
    secrets_of,
    sync_script,
)
from devstack.standin import running_standin_lms


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return new_project(tmp_path_factory.mktemp("tutor-root"))


def lms_job(record: dict) -> dict:
    jobs = [
        manifest
        for manifest in record["applied"]
        if manifest["kind"] == "Job" and manifest["metadata"]["name"].startswith("lms-job-")
    ]
    assert len(jobs) == 1, [m["metadata"]["name"] for m in record["applied"]]
    return jobs[0]


def test_k8s_init_applies_a_job_that_refers_to_the_settings_only(project, tmp_path):
    output, record = project.k8s("k8s", "do", "init", "--limit", "lmsauth")

    job = lms_job(record)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:3] == ["sh", "-e", "-c"]
    script = sync_script([("lms-job", container["args"][3])])
    assert ["apply", "-f"] in [call[:2] for call in record["kubectl"]]
    applied = json.dumps(job)
    for name, secret in secrets_of(project).items():
        assert secret not in applied, f"{name} is in the Job"
        assert secret not in output, f"{name} is in Tutor's output"

    # The Job mounts the LMS settings ConfigMap: the clients reach the job through it.
    settings_maps = [
        volume["configMap"]["name"]
        for volume in job["spec"]["template"]["spec"]["volumes"]
        if volume.get("configMap", {}).get("name", "").startswith("openedx-settings-lms")
    ]
    assert len(settings_maps) == 1
    config_map = project.k8s_object("ConfigMap", settings_maps[0])
    mounted_settings = tmp_path / "production.py"
    mounted_settings.write_text(config_map["data"]["production.py"], encoding="utf-8")

    with running_standin_lms(tmp_path / "lms") as lms:
        db = StandinDatabase(lms.db_path, tmp_path / "job.log", lms.env)
        run = db.run_job(script, mounted_settings)
        assert run.returncode == 0, run.stderr
        assert registered(db) == {
            client["name"]: expected_application(client)
            for client in rendered_clients(mounted_settings)
        }


def test_k8s_sync_command_applies_the_settings_then_runs_the_same_job(project):
    _, init_record = project.k8s("k8s", "do", "init", "--limit", "lmsauth")
    _, sync_record = project.k8s("k8s", "do", "lmsauth-sync")

    init_args = lms_job(init_record)["spec"]["template"]["spec"]["containers"][0]["args"]
    assert [manifest["kind"] for manifest in sync_record["applied"]] == ["Job"]
    assert lms_job(sync_record)["spec"]["template"]["spec"]["containers"][0]["args"] == init_args
    # The settings ConfigMaps (new clients or secrets, new content hash) exist before the Job.
    applies = [call for call in sync_record["kubectl"] if call[0] == "apply"]
    assert applies[0][:2] == ["apply", "--kustomize"]
    assert "--selector" in applies[0] and "app.kubernetes.io/name=openedx" in applies[0]
    assert applies[1][:2] == ["apply", "-f"]
    assert len(applies) == 2
