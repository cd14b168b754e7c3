"""Secret rotation on the integrated set-up: the real `tutor lmsauth rotate-secret`, its docker
calls carried out (the app restarted on the environment Tutor rendered, the LMS job run against
the stand-in LMS), and a real sign-in through Caddy after every phase."""

import sqlite3

import pytest

from devstack.docker_actor import DockerActor
from devstack.signin import Browser, loopback_names
from devstack.stack import running_stack
from tutorplugin.config import CLIENT_SECRET as SECRET
from tutorplugin.config import PREVIOUS_CLIENT_SECRET as PREVIOUS

ROTATE = ("lmsauth", "rotate-secret")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with loopback_names(), running_stack(workdir=tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def actor(stack):
    with DockerActor(stack) as acting:
        yield acting


@pytest.fixture(scope="module")
def learner(stack):
    return Browser(stack.learner).sign_in_at_lms(stack.lms_url)


def lms_secret(stack) -> str:
    with sqlite3.connect(stack.lms.db_path) as db:
        (secret,) = db.execute(
            "SELECT client_secret FROM oauth2_provider_application WHERE name = 'lmsauth-sso'"
        ).fetchone()
    return secret


def run(stack, actor, *args):
    result = stack.tutor.run(*args, env=actor.env())
    assert result.returncode == 0, result.output[-3000:]
    assert not actor.errors
    return result.output


def assert_signs_in(stack, learner):
    assert learner.attempt(stack.app_url) is None


def test_every_phase_keeps_sign_in_working(stack, actor, learner):
    old = stack.tutor.config()[SECRET]
    assert lms_secret(stack) == old
    assert_signs_in(stack, learner)

    run(stack, actor, *ROTATE, "--runner", "local", "--step")
    new = stack.tutor.config()[SECRET]
    # Saved only: the app still runs with the old secret alone, the LMS has the old one.
    assert (stack.app_env[SECRET], stack.app_env[PREVIOUS]) == (old, "")
    assert lms_secret(stack) == old
    assert_signs_in(stack, learner)

    run(stack, actor, *ROTATE, "--resume", "--step")
    assert (stack.app_env[SECRET], stack.app_env[PREVIOUS]) == (new, old)
    assert lms_secret(stack) == old
    # The app tries the new secret, is refused, and retries with the old one.
    assert_signs_in(stack, learner)

    run(stack, actor, *ROTATE, "--resume", "--step")
    assert lms_secret(stack) == new
    assert_signs_in(stack, learner)

    output = run(stack, actor, *ROTATE, "--resume", "--step")
    assert (stack.app_env[SECRET], stack.app_env[PREVIOUS]) == (new, "")
    assert_signs_in(stack, learner)
    assert [event.kind for event in actor.events] == ["recreate", "sync", "recreate"]
    assert old not in output and new not in output


def test_rolled_back_rotation_keeps_sign_in_working(stack, actor, learner):
    old = stack.tutor.config()[SECRET]
    run(stack, actor, *ROTATE, "--runner", "local", "--step")
    run(stack, actor, *ROTATE, "--resume", "--step")
    assert_signs_in(stack, learner)

    run(stack, actor, *ROTATE, "--abort", "--step")
    for _ in range(3):
        run(stack, actor, *ROTATE, "--resume", "--step")
        assert_signs_in(stack, learner)

    assert lms_secret(stack) == old
    assert (stack.app_env[SECRET], stack.app_env[PREVIOUS]) == (old, "")


def test_the_naive_order_breaks_sign_in_until_the_app_restarts(stack, actor, learner):
    """LMS first, app second: what the rotation's order avoids."""
    run(stack, actor, "config", "save", "--set", f"{SECRET}={'n' * 64}")
    run(stack, actor, "local", "do", "lmsauth-sync")

    assert learner.attempt(stack.app_url) == ("client secret refused by the LMS (invalid_client)")

    run(stack, actor, "local", "start", "-d", "lmsauth")
    assert_signs_in(stack, learner)
