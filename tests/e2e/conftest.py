"""End-to-end fixtures: two integrated stacks (see devstack/stack.py) and one Chromium.

- `consent_stack`: subdomain routing, LMSAUTH_SKIP_AUTHORIZATION=false (the LMS asks for consent);
- `path_stack`: path routing with the plugin's defaults (consent skipped);
- `stack`: each of the two in turn, for the flows both modes must support.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from devstack import chromium as chromium_browser
from devstack.stack import DEFAULT_LMS_HOST, running_stack
from tests.e2e.flows import TIMEOUT_MS

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def consent_stack(tmp_path_factory):
    with running_stack(
        "subdomain",
        workdir=tmp_path_factory.mktemp("stack-subdomain"),
        config={"LMSAUTH_SKIP_AUTHORIZATION": False},
    ) as stack:
        yield stack


@pytest.fixture(scope="session")
def path_stack(tmp_path_factory):
    with running_stack("path", workdir=tmp_path_factory.mktemp("stack-path")) as stack:
        yield stack


@pytest.fixture(params=["subdomain", "path"])
def stack(request):
    name = "consent_stack" if request.param == "subdomain" else "path_stack"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def chromium(playwright):
    expect.set_options(timeout=TIMEOUT_MS)
    hosts = [DEFAULT_LMS_HOST, f"lmsauth.{DEFAULT_LMS_HOST}", f"notebooks.{DEFAULT_LMS_HOST}"]
    instance = chromium_browser.launch(playwright, hosts)
    yield instance
    instance.close()


@pytest.fixture
def page(chromium):
    """A page in a fresh browser context: no cookies from another test."""
    context = chromium.new_context(viewport={"width": 1100, "height": 760})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()
