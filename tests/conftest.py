"""Fixtures shared by every test suite: the stand-in LMS and the Playwright driver."""

import os
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from devstack.standin import running_standin_lms, start_standin_lms

# The commands of this interpreter's environment (tutor, kubernetes-validate, gunicorn...) come
# first on PATH, as in `make test` or an activated virtualenv.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def standin_lms(tmp_path_factory):
    """One stand-in LMS for the whole session; register your own clients and users on it."""
    with running_standin_lms(tmp_path_factory.mktemp("standin-lms")) as lms:
        yield lms


@pytest.fixture
def standin_lms_factory(tmp_path_factory):
    """Start extra stand-ins with options of their own (see start_standin_lms); stopped after."""
    started = []

    def start(**options):
        lms = start_standin_lms(tmp_path_factory.mktemp("standin-lms"), **options)
        started.append(lms)
        return lms

    yield start
    for lms in started:
        lms.stop()


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright driver of the session: its sync API refuses a second one alongside."""
    with sync_playwright() as driver:
        yield driver
