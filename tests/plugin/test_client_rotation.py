"""The operators' own clients: `tutor lmsauth clients`, `credentials`, and `rotate-client`
(overlap of two credentials), with every LMS job Tutor would run executed against a stand-in
LMS, and the credentials tried on its real token endpoint."""

import pytest

from devstack.tutor_project import LMS_HOST, enabled_project, kill_at

EXTRA = {
    "exporter": {"grant_type": "client-credentials", "client_id": "exporter-2024"},
    "reports": {"redirect_uris": ["https://reports.example.org/oauth/complete/"]},
}


@pytest.fixture(scope="module")
def configured_root(tmp_path_factory):
    template = tmp_path_factory.mktemp("clients-template")
    return enabled_project(template, {"LMS_HOST": LMS_HOST, "LMSAUTH_EXTRA_CLIENTS": EXTRA})


@pytest.fixture
def project(configured_root, tmp_path):
    """A fresh copy of a Tutor project with two extra clients."""
    return configured_root.copy(tmp_path / "root")


@pytest.fixture
def site(project, standin_lms_factory):
    """The project, provisioned into a stand-in LMS of its own."""
    lms = standin_lms_factory()
    project.run("local", "do", "lmsauth-sync")
    lms.run_recorded_jobs(project)
    return project, lms


def credentials_of(root, name):
    result = root.run("lmsauth", "credentials", name)
    assert result.returncode == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if ": " in line)
    return lines["client_id"], lines["client_secret"]


def step(root, lms, *args: str) -> str:
    return lms.tutor(root, "lmsauth", *args)


def job_scripts(root) -> list[str]:
    """The scripts of the jobs of the last command (the last argument of `docker ... run`)."""
    return [script for _, script in root.jobs()]


def test_clients_lists_the_extra_clients_without_secrets(project):
    root = project
    secret = credentials_of(root, "exporter")[1]

    result = root.run("lmsauth", "clients")

    assert result.returncode == 0
    assert "exporter  client id exporter-2024  client-credentials" in result.output
    assert "reports  client id reports  authorization-code" in result.output
    assert "https://reports.example.org/oauth/complete/" in result.output
    assert secret not in result.output
    assert secret not in root.run("lmsauth", "status").output


def test_credentials_print_what_the_lms_accepts(site):
    root, lms = site

    assert lms.accepts(credentials_of(root, "exporter"))
    assert not lms.accepts(("exporter-2024", "not-the-secret"))


def test_credentials_of_an_unknown_client_are_refused(project):
    root = project

    result = root.run("lmsauth", "credentials", "nobody")

    assert result.returncode != 0
    assert "No extra client named 'nobody'" in result.output


def test_overlap_then_finish(site):
    root, lms = site
    old = credentials_of(root, "exporter")

    started = step(root, lms, "rotate-client", "exporter", "--runner", "local")

    new = credentials_of(root, "exporter.next")
    assert new[0].startswith("exporter-") and new[0] != old[0] and new[1] != old[1]
    assert lms.accepts(old) and lms.accepts(new)
    assert "credentials exporter.next" in started
    assert old[1] not in started and new[1] not in started
    assert "exporter.next  client id " + new[0] in root.run("lmsauth", "clients").output
    assert "Credentials rotation of exporter under way" in root.run("lmsauth", "status").output

    finished = step(root, lms, "rotate-client", "exporter", "--runner", "local", "--finish")

    assert lms.accepts(new) and not lms.accepts(old)
    assert credentials_of(root, "exporter") == new
    assert "exporter.next" not in root.config()["LMSAUTH_EXTRA_CLIENTS"]
    assert old[1] not in finished and new[1] not in finished
    # A later provisioning run keeps it that way.
    lms.tutor(root, "local", "do", "lmsauth-sync")
    assert lms.accepts(new) and not lms.accepts(old)


def test_overlap_then_abort(site):
    root, lms = site
    old = credentials_of(root, "exporter")
    before = root.config()["LMSAUTH_EXTRA_CLIENTS"]
    step(root, lms, "rotate-client", "exporter", "--runner", "local", "--client-id", "exp-new")
    new = credentials_of(root, "exporter.next")
    assert new[0] == "exp-new"

    step(root, lms, "rotate-client", "exporter", "--runner", "local", "--abort")

    assert lms.accepts(old) and not lms.accepts(new)
    assert root.config()["LMSAUTH_EXTRA_CLIENTS"] == before


def test_finish_killed_after_the_lms_job_then_run_again(site, tmp_path):
    root, lms = site
    old = credentials_of(root, "exporter")
    step(root, lms, "rotate-client", "exporter", "--runner", "local")
    new = credentials_of(root, "exporter.next")
    root.actions()

    killed = root.run(
        "lmsauth",
        "rotate-client",
        "exporter",
        "--runner",
        "local",
        "--finish",
        env=kill_at("run", 1),
    )
    lms.run_recorded_jobs(root)

    # The LMS switched, config did not: both say the new credentials are the ones that work.
    assert killed.returncode < 0
    assert "exporter.next" in root.config()["LMSAUTH_EXTRA_CLIENTS"]
    assert lms.accepts(new) and not lms.accepts(old)

    step(root, lms, "rotate-client", "exporter", "--runner", "local", "--finish")

    assert credentials_of(root, "exporter") == new
    assert lms.accepts(new) and not lms.accepts(old)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody",), "No extra client named 'nobody'"),
        (("exporter", "--finish"), "No rotation of exporter is under way"),
        (("exporter", "--client-id", "reports"), "is taken or oddly spelt"),
        (("exporter", "--client-id", "has space"), "is taken or oddly spelt"),
        (("exporter", "--secret", "short"), "needs between 32 and 128"),
    ],
)
def test_refused_client_rotations_change_nothing(project, args, message):
    root = project
    before = root.config_file.read_bytes()

    result = root.run("lmsauth", "rotate-client", *args, "--runner", "local")

    assert result.returncode != 0
    assert message in result.output
    assert root.config_file.read_bytes() == before
    assert root.actions() == []


def test_an_exported_secret_does_not_block_ending_the_rotation_it_started(project):
    root = project
    exported = {"LMSAUTH_NEW_CLIENT_SECRET": "Exported.secret~for-the-exporter-client-0123"}
    started = root.run("lmsauth", "rotate-client", "exporter", "--runner", "local", env=exported)
    assert started.returncode == 0, started.output

    ended = root.run(
        "lmsauth", "rotate-client", "exporter", "--runner", "local", "--abort", env=exported
    )

    assert ended.returncode == 0, ended.output
    assert "exporter.next" not in root.config()["LMSAUTH_EXTRA_CLIENTS"]


def test_a_secret_another_client_holds_is_refused(project):
    root = project
    bundled = root.config()["LMSAUTH_CLIENT_SECRET"]
    _, reports = credentials_of(root, "reports")
    before = root.config_file.read_bytes()

    # The bundled app's secret, still exported after its own rotation, for an extra client.
    exported = {"LMSAUTH_NEW_CLIENT_SECRET": bundled}
    extra = root.run("lmsauth", "rotate-client", "exporter", "--runner", "local", env=exported)
    # An extra client's secret for the bundled app.
    exported = {"LMSAUTH_NEW_CLIENT_SECRET": reports}
    bundled_app = root.run("lmsauth", "rotate-secret", "--runner", "local", env=exported)

    for refused in (extra, bundled_app):
        assert refused.returncode != 0
        assert "is another lmsauth OAuth client's" in refused.output
    assert root.config_file.read_bytes() == before
    assert root.actions() == []


# Names and client ids with template or shell syntax are refused by `config save` (see
# test_config_refusals.py); these use every character the rules allow.
@pytest.mark.parametrize(
    ("name", "client_id"),
    [("legacy-v1", "Legacy.client~id_v1-x")],
    ids=["every-character"],
)
def test_names_and_client_ids_reach_the_lms_jobs_as_data_only(
    tmp_path, standin_lms_factory, name, client_id
):
    template = enabled_project(
        tmp_path / "template",
        {
            "LMS_HOST": LMS_HOST,
            "LMSAUTH_EXTRA_CLIENTS": {
                name: {"grant_type": "client-credentials", "client_id": client_id}
            },
        },
    )
    root = template.copy(tmp_path / "root")
    lms = standin_lms_factory()
    lms.tutor(root, "local", "do", "lmsauth-sync")
    old = credentials_of(root, name)
    secrets = [old[1]] + [
        value
        for key, value in root.config().items()
        if any(word in key for word in ("SECRET", "PASSWORD", "KEY")) and value
    ]
    scripts = []

    def rotate(*args: str) -> str:
        output = step(root, lms, "rotate-client", name, "--runner", "local", *args)
        scripts.extend(job_scripts(root))
        for secret in secrets:
            assert secret not in output and secret not in "".join(scripts)
        return output

    rotate("--client-id", "next-v2")
    new = credentials_of(root, name + ".next")
    secrets.append(new[1])
    aborted = rotate("--abort")

    assert lms.accepts(old) and not lms.accepts(new)
    assert f"lmsauth: client {name}.next: retired client id next-v2 " in aborted

    rotate("--client-id", "next-v3")
    newer = credentials_of(root, name + ".next")
    secrets.append(newer[1])
    finished = rotate("--finish")

    assert lms.accepts(newer) and not lms.accepts(old)
    assert credentials_of(root, name) == newer
    assert f"lmsauth: client {name}: retired client id {client_id} " in finished
    assert len(scripts) == 5  # a sync, a retirement, a sync, a retirement and a sync
    # The jobs' scripts are the same whatever the client: no name or client id is in one.
    for value in (name, client_id, "next-v2", "next-v3"):
        assert value not in "".join(scripts)
