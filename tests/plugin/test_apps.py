"""Declared apps (LMSAUTH_APPS, or another plugin's APPS filter): what Tutor renders for them.

The projects are rendered by the real `tutor`; the compose files are read through
`docker-compose config`, the Caddyfile through `caddy adapt`, the Kubernetes manifests through
`kubectl kustomize` (each configuration is also validated as a whole by the other suites).
"""

import json
import textwrap

import pytest

from devstack.tutor_project import TutorProject
from tests.plugin.caddy_routes import route
from tests.plugin.conftest import GRADES, NOTEBOOKS, project_in
from tests.plugin.test_provision_settings import lms_settings

LMS = "local.openedx.io"


def rendered_setting(project: TutorProject, name: str, mode: str = "production"):
    return lms_settings(project, mode)[name]


def test_a_declared_app_runs_with_the_values_it_asked_for(with_apps):
    service = with_apps.compose("local")["services"]["notebooks"]
    client = {c["name"]: c for c in rendered_setting(with_apps, "LMSAUTH_OAUTH_CLIENTS")}[
        "notebooks-sso"
    ]

    assert service["image"] == "registry.example.com/notebooks:1"
    environment = dict(service["environment"])
    cookie_secret = environment.pop("JPY_COOKIE_SECRET")
    assert environment == {
        "OAUTH_CLIENT_ID": "notebooks-sso",
        "OAUTH_CLIENT_SECRET": client["client_secret"],
        "OAUTH_CALLBACK_URL": f"http://notebooks.{LMS}/hub/oauth_callback",
        "OAUTH2_AUTHORIZE_URL": f"http://{LMS}/oauth2/authorize/",
        "OAUTH2_TOKEN_URL": "http://lms:8000/oauth2/access_token",
        "OAUTH2_USERDATA_URL": "http://lms:8000/api/user/v1/me",
        "OAUTH_LOGOUT_REDIRECT_URL": (
            f"http://{LMS}/logout?client_id=notebooks-sso&redirect_url=http://notebooks.{LMS}/"
        ),
        "HUB_BASE_URL": "/",
        "HUB_SCOPES": "user_id profile email",
    }
    # JupyterHub reads its cookie secret as 32 bytes in hex.
    assert len(bytes.fromhex(cookie_secret)) == 32 and cookie_secret != client["client_secret"]
    assert client["redirect_uris"] == [f"http://notebooks.{LMS}/hub/oauth_callback"]
    assert client["client_id"] == "notebooks-sso" and len(client["client_secret"]) >= 32
    assert client["scopes"] == ["user_id", "profile", "email"]


def test_every_client_is_registered_by_the_one_sync_job(with_apps):
    names = [c["name"] for c in rendered_setting(with_apps, "LMSAUTH_OAUTH_CLIENTS")]
    assert names == ["lmsauth-sso", "grades-sso", "notebooks-sso"]


def test_each_app_gets_its_own_secrets(with_apps):
    services = with_apps.compose("local")["services"]
    clients = rendered_setting(with_apps, "LMSAUTH_OAUTH_CLIENTS")
    secrets = {c["client_secret"] for c in clients}
    assert len(secrets) == len(clients)
    assert services["grades"]["environment"]["GRADES_CLIENT_ID"] == "grades-sso"
    keys = json.loads(services["grades"]["environment"]["GRADES_KEYS"])
    assert keys == json.loads(with_apps.app_env()["LMSAUTH_JWT_PUBLIC_KEYS"])


def test_a_host_gets_a_caddy_site_that_holds_requests_during_a_restart(with_apps):
    outcome = route(with_apps.caddy_json(), f"notebooks.{LMS}", "/hub/oauth_callback")
    assert (outcome.upstream, outcome.path) == ("notebooks:8000", "/hub/oauth_callback")
    assert outcome.hold == 30_000_000_000  # 30 s, in Caddy's nanoseconds
    # ... and until its health path answers, not only until it accepts connections.
    assert outcome.health == "/hub/health"
    services = with_apps.compose("local")["services"]
    assert f"notebooks.{LMS}" in services["caddy"]["networks"]["default"]["aliases"]


@pytest.mark.parametrize("path", ["/grades/", "/grades/oauth/complete/?code=x"])
def test_a_path_is_routed_with_its_prefix_kept(with_apps, path):
    outcome = route(with_apps.caddy_json(), LMS, path.split("?")[0])
    assert (outcome.upstream, outcome.path) == ("grades:8080", path.split("?")[0])
    assert outcome.health == "/grades/healthz"


def test_the_bare_path_redirects_and_the_lms_keeps_the_rest(with_apps):
    config = with_apps.caddy_json()
    outcome = route(config, LMS, "/grades")
    assert (outcome.status, outcome.location) == (308, "/grades/")
    assert route(config, LMS, "/gradesx").upstream == "lms:8000"


def test_the_lms_knows_the_apps_hosts_and_logout_urls(with_apps):
    hosts = rendered_setting(with_apps, "LOGIN_REDIRECT_WHITELIST", mode="production")
    assert {f"notebooks.{LMS}", LMS, f"{LMS}:8795"} <= set(hosts)
    logout = rendered_setting(with_apps, "IDA_LOGOUT_URI_LIST", mode="production")
    assert f"http://notebooks.{LMS}/hub/logout" in logout
    assert "http://lmsauth.local.openedx.io/auth/logout/lms/" in logout


def test_tutor_dev_publishes_an_app_with_a_dev_port_and_its_urls(with_apps):
    services = with_apps.compose("dev")["services"]
    grades = services["grades"]
    assert grades["ports"] == ["127.0.0.1:8795:8080/tcp"]
    client = {c["name"]: c for c in rendered_setting(with_apps, "LMSAUTH_OAUTH_CLIENTS")}
    assert client["grades-sso"]["redirect_uris"] == [
        f"http://{LMS}/grades/oauth/complete/",
        f"http://{LMS}:8795/grades/oauth/complete/",
    ]
    # Without a dev port an app is not published in dev.
    assert "ports" not in services["notebooks"]


def test_kubernetes_runs_each_app_from_a_secret_that_rolls_it(with_apps):
    secret = with_apps.k8s_object("Secret", "notebooks")
    deployment = with_apps.k8s_object("Deployment", "notebooks")
    service = with_apps.k8s_object("Service", "notebooks")
    container = deployment["spec"]["template"]["spec"]["containers"][0]

    env = with_apps.compose("local")["services"]["notebooks"]["environment"]
    assert secret["stringData"] == env
    assert container["envFrom"] == [{"secretRef": {"name": "notebooks"}}]
    assert container["image"] == NOTEBOOKS["image"]
    assert service["spec"]["ports"][0]["port"] == 8000
    annotation = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
    assert len(annotation) == 64


def test_another_plugin_declares_an_app_through_the_filter(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hub.py").write_text(
        textwrap.dedent(
            """\
            from tutorplugin.hooks import APPS

            APPS.add_item(("hub", {"image": "hub:1", "host": "hub.{{ LMS_HOST }}",
                                   "callback_path": "/cb", "env": {"ID": "client_id"}}))
            """
        )
    )
    project = TutorProject(tmp_path / "root", {"PLUGINS": ["lmsauth", "hub"], "LMS_HOST": LMS})
    project.plugins_root = plugins
    project.save()

    assert project.compose("local")["services"]["hub"]["environment"] == {"ID": "hub-sso"}
    assert route(project.caddy_json(), f"hub.{LMS}", "/cb").upstream == "hub:8000"
    # The operator's LMSAUTH_APPS entry of the same name wins over the plugin's.
    project.save({"LMSAUTH_APPS": {"hub": {**NOTEBOOKS, "host": f"hub.{LMS}"}}})
    assert project.compose("local")["services"]["hub"]["image"] == NOTEBOOKS["image"]
    # Disabling the plugin withdraws its app.
    project.tutor("plugins", "disable", "hub")
    project.save({"LMSAUTH_APPS": {}})
    assert "hub" not in project.compose("local")["services"]


MALFORMED = [
    ({**NOTEBOOKS, "colour": "blue"}, "unknown settings colour"),
    ({**NOTEBOOKS, "path": "/nb"}, "give either host"),
    ({k: v for k, v in NOTEBOOKS.items() if k != "callback_path"}, "callback_path is required"),
    ({**NOTEBOOKS, "env": {"X": "database_password"}}, "asks for database_password"),
    ({**NOTEBOOKS, "port": "eighty"}, ".port='eighty' must be a TCP port number"),
    ({**NOTEBOOKS, "skip_authorization": "yes"}, ".skip_authorization='yes' must be true or"),
    # The same rules as the bundled app's settings (tutorplugin/validation.py).
    ({**NOTEBOOKS, "host": "nb{.example.org"}, ".host='nb{.example.org' is not a host name"),
    ({**NOTEBOOKS, "host": None, "path": "/api"}, "would take over the LMS's own /api/ routes"),
    ({**NOTEBOOKS, "image": "Notebooks:1"}, ".image='Notebooks:1' is not a Docker image"),
    ({**NOTEBOOKS, "callback_path": "cb\t"}, ".callback_path='cb\\t' must be a path"),
    ({**NOTEBOOKS, "health_path": "hub/health"}, ".health_path='hub/health' must be a path"),
    ({**NOTEBOOKS, "env": {"A B": "client_id"}}, "is not an environment variable name"),
    ({**NOTEBOOKS, "scopes": "user_id pro'file"}, "which is no scope name"),
]


def test_malformed_declarations_are_refused_together_each_with_its_fix(tmp_path):
    """One `tutor config save` names every malformed app, and leaves config.yml as it was."""
    project = project_in(tmp_path / "root", {"LMS_HOST": LMS})
    declarations = {f"nb{index}": declaration for index, (declaration, _) in enumerate(MALFORMED)}

    result = project.run("config", "save", "--set", f"LMSAUTH_APPS={json.dumps(declarations)}")

    assert result.returncode != 0
    assert f"{len(MALFORMED)} lmsauth settings need fixing" in result.output
    for index, (_, message) in enumerate(MALFORMED):
        (line,) = [line for line in result.output.splitlines() if f"['nb{index}']" in line]
        assert message in line
    assert "Nothing was saved: config.yml is as it was." in result.output
    assert "LMSAUTH_APPS" not in project.config_file.read_text(encoding="utf-8")
    assert not set(declarations) & set(project.compose("local")["services"])


def test_apps_that_would_take_the_same_requests_are_refused(tmp_path):
    """Two apps on one host, nested paths, one dev port, or an app on the LMS's host: Caddy or
    `tutor dev` would send one app's requests to the other. Each clash is named."""
    project = project_in(tmp_path / "root", {"LMS_HOST": LMS})
    declarations = {
        "hub": {**NOTEBOOKS, "host": f"hub.{LMS}"},
        "hub2": {**NOTEBOOKS, "host": f"HUB.{LMS}"},
        "grades": GRADES,
        "grades2": {**GRADES, "path": "/Grades/archive", "dev_port": 8797},
        "lab": {**NOTEBOOKS, "host": LMS},
        "mirror": {**NOTEBOOKS, "dev_port": 8790},
    }

    result = project.run("config", "save", "--set", f"LMSAUTH_APPS={json.dumps(declarations)}")

    assert result.returncode != 0
    for clash in (
        f"LMSAUTH_APPS['hub'] and LMSAUTH_APPS['hub2'] would both take the host hub.{LMS}",
        "LMSAUTH_APPS['grades'] and LMSAUTH_APPS['grades2'] would both take the paths /grades "
        "and /Grades/archive",
        f"LMSAUTH_APPS['lab']: host {LMS} is LMS_HOST",
        "the bundled app and LMSAUTH_APPS['mirror'] would both take the port 8790 under tutor dev",
    ):
        assert clash in result.output
    assert "Nothing was saved: config.yml is as it was." in result.output
    # Apart, they are fine.
    declarations["hub2"]["host"] = f"hub2.{LMS}"
    declarations["grades2"]["path"] = "/grades-archive"
    declarations["lab"]["host"] = f"lab.{LMS}"
    declarations["mirror"]["dev_port"] = 8798
    project.save({"LMSAUTH_APPS": declarations})
    assert set(declarations) <= set(project.compose("local")["services"])


def test_the_bundled_apps_name_and_names_unfit_for_a_service_are_refused(tmp_path):
    project = project_in(tmp_path / "root", {"LMS_HOST": LMS})
    apps = json.dumps({"lmsauth": NOTEBOOKS})
    result = project.run("config", "save", "--set", f"LMSAUTH_APPS={apps}")
    assert result.returncode != 0 and "the bundled app's name" in result.output
    # A Compose service, a Kubernetes object, a host name and an LMS application are named after it.
    apps = json.dumps({"Note_books": NOTEBOOKS})
    result = project.run("config", "save", "--set", f"LMSAUTH_APPS={apps}")
    assert result.returncode != 0
    refusal = "LMSAUTH_APPS['Note_books'] name='Note_books' is not a valid client name"
    assert refusal in result.output


def test_declared_apps_are_listed_by_status_without_secrets(with_apps):
    clients = rendered_setting(with_apps, "LMSAUTH_OAUTH_CLIENTS")
    output = with_apps.tutor("lmsauth", "status")
    assert f"notebooks (app at http://notebooks.{LMS}/)  client id notebooks-sso" in output
    assert f"grades (app at http://{LMS}/grades/)  client id grades-sso" in output
    for client in clients:
        assert client["client_secret"] not in output


def test_launch_prints_every_apps_url(with_apps):
    # `tutor local launch` prints APP_PUBLIC_HOSTS; the dev variant its published ports.
    output = with_apps.tutor("dev", "launch", "--non-interactive", "--skip-build")
    assert f"http://{LMS}:8795/grades" in output
    assert "http://lmsauth.local.openedx.io:8790" in output


class TokenRequest:
    """What the LMS's rate function reads of a request: its META and its form."""

    def __init__(self, remote: str, form: dict, **headers: str) -> None:
        self.META = {"REMOTE_ADDR": remote, **headers}
        self.POST = form


def test_only_an_apps_own_token_requests_may_leave_the_lms_limit(with_apps):
    """What the LMS's rate function decides before it looks for an application: a browser's
    request, or one the app forwards for a browser, always keeps the LMS's limit (the bucket of
    the app's own requests is tested live, in test_app_rotation.py)."""
    settings = lms_settings(with_apps)
    rate = settings["lmsauth_token_rate"]
    hub = {c["name"]: c for c in settings["LMSAUTH_OAUTH_CLIENTS"]}["notebooks-sso"]
    code = {"grant_type": "authorization_code", "code": "abc"}
    by_form = {**code, "client_id": hub["client_id"], "client_secret": hub["client_secret"]}

    assert settings["RATELIMIT_RATE"] == "lms.envs.tutor.production.lmsauth_token_rate"
    assert settings["LMSAUTH_APP_CLIENTS"] == [
        "grades-sso",
        "grades-sso.next",
        "notebooks-sso",
        "notebooks-sso.next",
    ]
    others = [
        TokenRequest("172.18.0.9", by_form, HTTP_X_FORWARDED_FOR="203.0.113.5"),
        TokenRequest("8.8.8.8", by_form),
        TokenRequest("172.18.0.9", {**by_form, "grant_type": "password"}),
        TokenRequest("172.18.0.9", code, HTTP_AUTHORIZATION="Basic not-base64!"),
        TokenRequest("not an address", by_form),
    ]
    for request in others:
        assert rate(None, request) == "120/m"
