"""Where the parts of the repository the stack runs are."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The bundled app, run from its folder as its container runs it.
APP_DIR = REPO / "app"
# The stand-in LMS: a Django project of its own, run from its folder (its packages `standin`,
# `openedx` and `common` are importable there only).
LMS_DIR = Path(__file__).resolve().parent / "lms"
# The pinned versions of everything the tests and the stack install.
REQUIREMENTS = REPO / "requirements" / "test.txt"
