"""No secret in anything provisioning shows: Tutor's output, the job command lines (docker and
Kubernetes), the job's output, the LMS log."""

from devstack.provisioning import StandinDatabase, new_project, secrets_of, sync_script
from devstack.standin import running_standin_lms
from tutorplugin.client_secrets import fingerprint


def test_no_secret_in_anything_provisioning_prints_or_logs(tmp_path):
    # MySQL mode: its database password is one more secret the init tasks must not show.
    project = new_project(tmp_path / "tutor", LMSAUTH_DATABASE="mysql")
    captured: list[str] = []
    known = secrets_of(project)

    with running_standin_lms(tmp_path / "lms") as lms:
        db = StandinDatabase(lms.db_path, tmp_path / "lms-job.log", lms.env)

        def run_tutor_and_job(command: list[str], settings_mode: str = "production") -> None:
            # Tutor's output and the whole docker command lines, script and all.
            jobs = project.captured_scripts(command)
            captured.extend([project.output, project.docker_log.read_text(encoding="utf-8")])
            run = db.run_job(sync_script(jobs), project.lms_settings(settings_mode))
            assert run.returncode == 0, run.stderr
            captured.extend([run.stdout, run.stderr])

        run_tutor_and_job(["local", "do", "init", "--limit", "lmsauth"])
        run_tutor_and_job(["local", "do", "init", "--limit", "lmsauth"])
        run_tutor_and_job(["dev", "do", "init", "--limit", "lmsauth"], "development")
        # A new secret, applied by the sync command.
        captured.append(project.save({"LMSAUTH_CLIENT_SECRET": "n" * 64}))
        run_tutor_and_job(["local", "do", "lmsauth-sync"])
        k8s_output, k8s_record = project.k8s("k8s", "do", "init", "--limit", "lmsauth")
        captured.extend([k8s_output, str(k8s_record)])
        captured.append(db.log.read_text(encoding="utf-8") if db.log.exists() else "")
        captured.append(lms.log_path.read_text(encoding="utf-8"))
    known.update(secrets_of(project))

    everything = "\n".join(captured)
    leaked = sorted(name for name, secret in known.items() if secret in everything)
    assert leaked == [], f"secrets found in captured output: {leaked}"
    # The search covers real output: every job reported each client, by fingerprint only.
    new_secret = str(project.config()["LMSAUTH_CLIENT_SECRET"])
    assert "lmsauth-sso: updated client_secret (client id lmsauth-sso" in everything
    assert f"secret {fingerprint(new_secret)})" in everything
    assert "lmsauth-sync: reports: created" in everything
    assert {"LMSAUTH_CLIENT_SECRET", "LMSAUTH_MYSQL_PASSWORD", "OPENEDX_SECRET_KEY"} <= set(known)
    assert {"client secret of reports", "client secret of backend"} <= set(known)


def test_the_search_would_see_a_secret_the_lms_logs(tmp_path):
    """Control: the LMS's own create_dot_application logs the secret, and the log is searched."""
    project = new_project(tmp_path / "tutor")
    secret = str(project.config()["LMSAUTH_CLIENT_SECRET"])
    with running_standin_lms(tmp_path / "lms") as lms:
        db = StandinDatabase(lms.db_path, tmp_path / "lms-job.log", lms.env)
        run = db.run_job(
            "./manage.py lms manage_user lmsauth lmsauth@openedx --unusable-password\n"
            "./manage.py lms create_dot_application lmsauth-sso lmsauth"
            f" --grant-type authorization-code --client-id lmsauth-sso --client-secret {secret}"
            " --redirect-uris http://lmsauth.local.openedx.io/auth/callback/",
            project.lms_settings(),
        )
    assert run.returncode == 0, run.stderr
    assert secret in db.log.read_text(encoding="utf-8")
