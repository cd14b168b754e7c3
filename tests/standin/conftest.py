"""Fixtures of the stand-in LMS's own tests, on the session's stand-in (see tests/conftest.py)."""

import pytest

# Where the clients of these tests send the browser back to; nothing listens there.
CALLBACK = "http://127.0.0.1:9/auth/callback/"


@pytest.fixture(scope="module")
def client(standin_lms, request):
    """A trusted client of the test module's own, granted the user_id scope."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    return standin_lms.register_client(name, [CALLBACK], scopes=["user_id"])
