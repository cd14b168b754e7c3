"""The development stack is installed beside the plugin, never in the plugin's wheel.

Operators `pip install` the plugin: a top-level `devstack` package (or the tests, or the
benchmarks) in their site-packages would be wrong, however the checkout it is built from looks.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import devstack
from devstack.paths import REPO

# What a checkout holds besides its sources: the virtualenv, caches, local runs.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".demo", "artifacts"
)


def test_a_wheel_built_from_the_whole_checkout_holds_the_plugin_only(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=NOT_SOURCES)
    assert (checkout / "devstack" / "stack.py").is_file()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(tmp_path / "dist"), str(checkout)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("tutor_lmsauth-*.whl")

    tops = {name.split("/", 1)[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"tutorplugin"}


def test_devstack_imports_from_anywhere_and_keeps_the_standins_packages_to_itself(tmp_path):
    # The stand-in LMS's Django packages are importable only from its own folder.
    code = (
        "import importlib.util, devstack\n"
        "print(devstack.__file__)\n"
        "names = ('standin', 'openedx', 'common')\n"
        "print(*[name for name in names if importlib.util.find_spec(name)])"
    )
    output = subprocess.check_output([sys.executable, "-c", code], cwd=tmp_path, text=True)
    where, reachable = output.split("\n")[:2]
    assert Path(where) == Path(devstack.__file__)
    assert reachable == ""
