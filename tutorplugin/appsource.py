"""Ship the bundled app's source into the image build context, verbatim.

The app holds Django templates (`{{ }}`) that Jinja must never see, so it is copied after
Tutor has rendered its templates rather than being one of them.
"""

import shutil
from pathlib import Path

from tutor.types import Config

from .paths import data_dir

# Relative to the env folder: where templates/lmsauth/build/lmsauth/ is rendered.
BUILD_CONTEXT = Path("plugins", "lmsauth", "build", "lmsauth")
IGNORED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.pyc", "*.sqlite3", "*.sqlite3-journal", "staticfiles", "*.log"
)


def copy_app_source(root_env: str, _config: Config) -> None:
    destination = Path(root_env) / BUILD_CONTEXT / "app"
    # Start from scratch so a file deleted from app/ also leaves the image.
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(data_dir("app"), destination, ignore=IGNORED)
