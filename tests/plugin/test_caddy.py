"""The Caddyfile Tutor renders: valid for Caddy, and routing the app as configured."""

import os
import subprocess

import pytest
import yaml

from devstack.tutor_project import TutorProject
from tests.plugin.caddy_routes import Outcome, route
from tests.plugin.conftest import NOTEBOOKS


def test_caddy_accepts_every_rendered_caddyfile(each_project):
    result = subprocess.run(
        ["caddy", "validate", "--adapter", "caddyfile", "--config", str(each_project.caddyfile)],
        env={**os.environ, "default_site_port": ":80"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_subdomain_mode_gives_the_app_its_own_site(default):
    config = default.caddy_json()
    outcome = route(config, "lmsauth.local.openedx.io", "/auth/callback/")
    assert outcome == Outcome("reverse_proxy", upstream="lmsauth:8000", path="/auth/callback/")
    # The LMS keeps its own site, and nothing of the app is routed below it.
    assert route(config, "local.openedx.io", "/lmsauth/").upstream == "lms:8000"
    assert route(config, "local.openedx.io", "/dashboard").upstream == "lms:8000"


def test_subdomain_follows_the_configured_host(https):
    outcome = route(https.caddy_json(), "lmsauth.courses.example.org", "/")
    assert outcome.upstream == "lmsauth:8000"


@pytest.mark.parametrize(
    ("path", "app_path"),
    [
        ("/lmsauth/", "/"),
        ("/lmsauth/auth/callback/", "/auth/callback/"),
        ("/lmsauth/static/profiles/site.css", "/static/profiles/site.css"),
    ],
)
def test_path_mode_strips_the_prefix_before_the_app(path_mode, path, app_path):
    outcome = route(path_mode.caddy_json(), "local.openedx.io", path)
    assert outcome == Outcome("reverse_proxy", upstream="lmsauth:8000", path=app_path)


def test_path_mode_redirects_the_bare_prefix(path_mode):
    outcome = route(path_mode.caddy_json(), "local.openedx.io", "/lmsauth")
    assert (outcome.status, outcome.location) == (308, "/lmsauth/")


@pytest.mark.parametrize("path", ["/", "/dashboard", "/lmsauthx/", "/oauth2/authorize/"])
def test_path_mode_leaves_the_rest_to_the_lms(path_mode, path):
    assert route(path_mode.caddy_json(), "local.openedx.io", path).upstream == "lms:8000"


def test_path_mode_adds_no_site(path_mode):
    assert route(path_mode.caddy_json(), "lmsauth.local.openedx.io", "/") is None
    assert "lmsauth.local.openedx.io" not in path_mode.caddyfile.read_text()


def test_the_operators_proxy_settings_reach_every_app(tmp_path):
    """Tutor's caddyfile-proxy patch (an operator's settings for every proxied site) applies to
    the apps' sites as to the LMS's, and the apps' sites still hold requests while they restart.
    (The declared app has no host: it gets a subdomain of the LMS, as Tutor's services do.)"""
    notebooks = {key: value for key, value in NOTEBOOKS.items() if key != "host"}
    project = TutorProject(
        tmp_path,
        {"PLUGINS": ["lmsauth", "proxysettings"], "LMSAUTH_APPS": {"notebooks": notebooks}},
    )
    plugin = {
        "name": "proxysettings",
        "version": "1.0.0",
        "patches": {"caddyfile-proxy": "header X-Operator-Setting applied"},
    }
    (project.plugins_root / "proxysettings.yml").write_text(yaml.safe_dump(plugin))
    project.save()
    config = project.caddy_json()
    for host, upstream in [
        ("local.openedx.io", "lms:8000"),
        ("lmsauth.local.openedx.io", "lmsauth:8000"),
        ("notebooks.local.openedx.io", "notebooks:8000"),
    ]:
        outcome = route(config, host, "/")
        assert outcome.upstream == upstream
        assert outcome.headers.get("X-Operator-Setting") == ["applied"], host
        if upstream != "lms:8000":
            assert outcome.hold
