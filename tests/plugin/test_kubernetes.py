"""The Kubernetes manifests: kustomized by kubectl, validated strictly, and as configured."""

import hashlib
import json
import subprocess

import pytest

from tests.plugin.conftest import new_project


def test_kubernetes_validate_strict_accepts_every_configuration(each_project):
    result = subprocess.run(
        ["kubernetes-validate", "--strict", "--quiet", str(each_project.kustomized())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def _pod_spec(project):
    return project.k8s_object("Deployment", "lmsauth")["spec"]["template"]["spec"]


def test_the_secret_carries_the_app_environment(each_project):
    secret = each_project.k8s_object("Secret", "lmsauth")
    # The same variables, but the app's pages name `tutor k8s do ...`.
    assert secret["stringData"] == {**each_project.app_env(), "LMSAUTH_RUNNER": "k8s"}


def test_the_deployment_reads_the_secret_and_runs_as_non_root(default):
    spec = _pod_spec(default)
    (container,) = spec["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": "lmsauth"}}]
    assert "env" not in container  # no secret inlined in the Deployment
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]


def test_the_app_job_is_as_restricted_as_the_app(default):
    """A namespace that enforces the "restricted" pod security level admits the job too."""
    spec = default.k8s_object("Job", "lmsauth-job")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_probes_check_health_and_readiness_on_the_public_host(path_mode):
    (container,) = _pod_spec(path_mode)["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in (container["livenessProbe"], container["readinessProbe"]):
        assert probe["httpGet"]["port"] == 8000
        assert probe["httpGet"]["httpHeaders"] == [{"name": "Host", "value": "local.openedx.io"}]


def test_the_secret_checksum_annotation_matches_the_secret(default):
    template = default.k8s_object("Deployment", "lmsauth")["spec"]["template"]
    text = default.read("plugins", "lmsauth", "apps", "lmsauth.env")
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert template["metadata"]["annotations"]["checksum/secret"] == expected


def test_a_changed_secret_rolls_the_deployment(tmp_path_factory):
    project = new_project(tmp_path_factory, {})
    before = project.k8s_object("Deployment", "lmsauth")["spec"]["template"]
    project.save({"LMSAUTH_PREVIOUS_CLIENT_SECRET": "rotation-in-progress-" + "p" * 32})
    after = project.k8s_object("Deployment", "lmsauth")["spec"]["template"]
    key = "checksum/secret"
    assert before["metadata"]["annotations"][key] != after["metadata"]["annotations"][key]
    # Nothing else of the pod template changed.
    del before["metadata"]["annotations"][key], after["metadata"]["annotations"][key]
    assert before == after


def test_sqlite_mode_one_replica_on_a_volume(default):
    deployment = default.k8s_object("Deployment", "lmsauth")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = deployment["spec"]["template"]["spec"]
    assert spec["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "lmsauth"}}]
    assert default.k8s_object("PersistentVolumeClaim", "lmsauth")
    job_spec = default.k8s_object("Job", "lmsauth-job")["spec"]["template"]["spec"]
    assert job_spec["volumes"] == spec["volumes"]


def test_mysql_mode_scales_without_a_volume(mysql):
    deployment = mysql.k8s_object("Deployment", "lmsauth")
    assert deployment["spec"]["replicas"] == 3
    assert "strategy" not in deployment["spec"]
    assert "volumes" not in deployment["spec"]["template"]["spec"]
    with pytest.raises(LookupError):
        mysql.k8s_object("PersistentVolumeClaim", "lmsauth")


def test_jobs_take_their_credentials_from_secrets(mysql):
    config = mysql.config()
    app_job = mysql.k8s_object("Job", "lmsauth-job")["spec"]["template"]["spec"]["containers"][0]
    assert app_job["envFrom"] == [{"secretRef": {"name": "lmsauth"}}]
    db_job = mysql.k8s_object("Job", "lmsauth-mysql-job")["spec"]["template"]["spec"]
    assert db_job["containers"][0]["envFrom"] == [{"secretRef": {"name": "lmsauth-mysql"}}]
    credentials = mysql.k8s_object("Secret", "lmsauth-mysql")["stringData"]
    assert credentials["LMSAUTH_MYSQL_ROOT_PASSWORD"] == config["MYSQL_ROOT_PASSWORD"]
    assert credentials["LMSAUTH_MYSQL_PASSWORD"] == config["LMSAUTH_MYSQL_PASSWORD"]
    # No credential is written into a Job itself.
    jobs = [obj for obj in mysql.k8s_objects() if obj["kind"] == "Job"]
    for secret in (config["MYSQL_ROOT_PASSWORD"], config["LMSAUTH_MYSQL_PASSWORD"]):
        assert secret not in str(jobs)


def test_the_service_selects_the_app_pods(default):
    service = default.k8s_object("Service", "lmsauth")
    labels = default.k8s_object("Deployment", "lmsauth")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["ports"][0]["port"] == 8000
    assert all(labels.get(key) == value for key, value in service["spec"]["selector"].items())


def test_k8s_init_runs_the_app_jobs_with_secrets_only_in_secrets(mysql):
    """`tutor k8s do init`, kubectl and the Kubernetes API stood in: the Jobs it would apply."""
    output, record = mysql.k8s("k8s", "do", "init", "--limit", "lmsauth")
    applied = record["applied"]
    jobs = [obj for obj in applied if obj["kind"] == "Job"]
    names = [job["metadata"]["name"].rsplit("-", 1)[0] for job in jobs]
    assert names.index("lmsauth-mysql-job") < names.index("lmsauth-job")
    by_name = dict(zip(names, jobs, strict=True))
    migrate = by_name["lmsauth-job"]["spec"]["template"]["spec"]["containers"][0]
    assert migrate["args"][:3] == ["sh", "-e", "-c"]
    assert "manage.py migrate" in migrate["args"][3]
    assert migrate["envFrom"] == [{"secretRef": {"name": "lmsauth"}}]
    config = mysql.config()
    everything = output + json.dumps(record)
    for key in ("MYSQL_ROOT_PASSWORD", "LMSAUTH_MYSQL_PASSWORD", "LMSAUTH_CLIENT_SECRET"):
        assert config[key] not in everything, key


def test_sqlite_mode_migrates_in_the_pod_and_runs_the_job_beside_it(default, mysql):
    spec = _pod_spec(default)
    (migrate,) = spec["initContainers"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["envFrom"] == spec["containers"][0]["envFrom"]
    assert migrate["volumeMounts"] == spec["containers"][0]["volumeMounts"]
    job = default.k8s_object("Job", "lmsauth-job")["spec"]["template"]["spec"]
    (term,) = job["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    labels = default.k8s_object("Deployment", "lmsauth")["spec"]["template"]["metadata"]["labels"]
    assert term["labelSelector"]["matchLabels"].items() <= labels.items()
    # With MySQL, replicas share the database: only the job migrates, and runs anywhere.
    assert "initContainers" not in _pod_spec(mysql)
    assert "affinity" not in mysql.k8s_object("Job", "lmsauth-job")["spec"]["template"]["spec"]
