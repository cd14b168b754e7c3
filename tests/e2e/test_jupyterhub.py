"""An app nobody here wrote, declared in LMSAUTH_APPS: JupyterHub, in Chromium, through Caddy.

JupyterHub (oauthenticator's GenericOAuthenticator, configurable-http-proxy from npm) runs with
examples/jupyterhub/jupyterhub_config.py and the environment Tutor rendered for its compose
service, declared exactly as README's "Your own apps" shows: on a host of its own
(`notebooks.<LMS host>`) and under a path of the LMS host (`/notebooks/`), beside the bundled app.
"""

import re

import pytest
import yaml
from playwright.sync_api import Page, expect

from devstack.declared_apps import LocalApp, jupyterhub_declaration
from devstack.paths import REPO
from devstack.stack import Stack, running_stack
from tests.e2e.flows import (
    expect_hub_home,
    expect_lms_sign_in_form,
    screenshot,
    sign_in_to_hub,
    starts_with,
)

NAME = "notebooks"


@pytest.fixture(scope="module", params=["subdomain", "path"])
def hub_stack(request, tmp_path_factory):
    """A stack whose bundled app and hub both use `routing`: one hub per stack."""
    routing = request.param
    with running_stack(
        routing,
        workdir=tmp_path_factory.mktemp(f"hub-{routing}"),
        config={"LMSAUTH_APPS": {NAME: jupyterhub_declaration(routing)}},
    ) as stack:
        yield stack


def hub_of(stack: Stack) -> LocalApp:
    return stack.apps[NAME]


def hub_signed_in(page: Page, stack: Stack) -> LocalApp:
    """The stack's learner signed in to its hub, on the hub's home page."""
    hub = hub_of(stack)
    sign_in_to_hub(page, stack, hub.public_url, stack.learner)
    return hub


def test_the_readme_shows_the_declaration_under_test():
    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Your own apps\n")[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)
    assert yaml.safe_load(block) == {"LMSAUTH_APPS": {NAME: jupyterhub_declaration("subdomain")}}


def test_the_hub_runs_on_the_environment_tutor_rendered(hub_stack):
    service = hub_stack.tutor.compose("local")["services"][NAME]
    hub = hub_of(hub_stack)

    changed = {key for key, value in service["environment"].items() if hub.env[key] != value}
    # Only the LMS's internal URL is mapped to the stand-in's, as Caddy's upstreams are.
    assert changed == {"OAUTH2_TOKEN_URL", "OAUTH2_USERDATA_URL"}
    assert hub.env["OAUTH2_TOKEN_URL"] == hub_stack.lms.url + "/oauth2/access_token"
    assert set(hub.env) == set(service["environment"])


def test_a_learner_signs_in_to_the_hub_through_the_lms(page, hub_stack):
    hub = hub_signed_in(page, hub_stack)
    screenshot(page, f"jupyterhub-home-{hub_stack.routing}")

    # The hub and the bundled app share the LMS session: the app signs in without a password.
    page.goto(hub_stack.url("/auth/login/"))
    expect(page).to_have_url(hub_stack.url("/"))
    expect(page.get_by_role("heading", name="Hello, Lena Learner")).to_be_visible()
    page.goto(hub.public_url + "hub/home")
    expect_hub_home(page, hub.public_url, hub_stack.learner.username)


def test_signing_out_at_the_lms_signs_out_of_the_hub(page, hub_stack):
    hub = hub_signed_in(page, hub_stack)

    # The LMS's logout page loads the hub's logout URL in a hidden iframe.
    with page.expect_response(starts_with(hub.public_url + "hub/logout")) as frame:
        page.goto(hub_stack.lms_url + "/logout")
    assert frame.value.status < 400
    expect(page.get_by_role("heading", name="You have signed out.")).to_be_visible()

    # Had the hub kept its session, this would be its home page; it asks the LMS instead.
    page.goto(hub.public_url + "hub/home")
    expect_lms_sign_in_form(page, hub_stack)


def test_signing_out_of_the_hub_signs_out_of_the_lms(page, hub_stack):
    hub = hub_signed_in(page, hub_stack)

    page.locator("#logout").click()

    # The hub sends the browser to the LMS's /logout, which returns to the hub, which asks the
    # LMS to sign the learner in again: neither has a session left.
    expect_lms_sign_in_form(page, hub_stack)
    page.goto(hub.public_url + "hub/home")
    expect_lms_sign_in_form(page, hub_stack)
