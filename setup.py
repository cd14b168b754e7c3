"""Packaging of the lmsauth Tutor plugin.

The top-level `patches/`, `templates/` and `app/` folders are shipped inside the
`tutorplugin` package (as `tutorplugin/patches`, ...), so that a wheel is self-contained;
an editable install reads them from the repository instead (see tutorplugin/paths.py).
"""

import os

from setuptools import setup

HERE = os.path.abspath(os.path.dirname(__file__))
DATA_FOLDERS = ("patches", "templates", "app")
# Files a developer's working tree may hold that must never reach an image or a wheel.
SKIPPED_DIRS = {"__pycache__", "staticfiles", "node_modules"}
SKIPPED_SUFFIXES = (".pyc", ".sqlite3", ".sqlite3-journal", ".log")


def read_version() -> str:
    about: dict[str, str] = {}
    with open(os.path.join(HERE, "tutorplugin", "__about__.py"), encoding="utf-8") as f:
        exec(f.read(), about)
    return about["__version__"]


def data_files_of(folder: str) -> list[str]:
    """Every file under `folder`, relative to it, without caches or local databases."""
    root = os.path.join(HERE, folder)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or name.endswith(SKIPPED_SUFFIXES):
                continue
            found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


def read_readme() -> str:
    path = os.path.join(HERE, "README.md")
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


setup(
    name="tutor-lmsauth",
    version=read_version(),
    description="Tutor plugin: a web application that signs users in through the Open edX LMS",
    long_description=read_readme(),
    long_description_content_type="text/markdown",
    author="The lmsauth maintainers",
    # Where the source will be published is not decided yet: the one URL below is a placeholder
    # that says so, under a reserved domain that resolves nowhere.
    project_urls={
        "Source (placeholder, not published yet)": "https://example.invalid/tutor-lmsauth",
        "Tutor documentation": "https://docs.tutor.edly.io/",
    },
    license="AGPL-3.0-only",
    license_files=["LICENSE"],
    # The Pythons Tutor 22 runs on; the classifiers below name those the tests run under.
    python_requires=">=3.10",
    packages=["tutorplugin", "tutorplugin.rotation", *(f"tutorplugin.{f}" for f in DATA_FOLDERS)],
    package_dir={"tutorplugin": "tutorplugin", **{f"tutorplugin.{f}": f for f in DATA_FOLDERS}},
    package_data={f"tutorplugin.{folder}": data_files_of(folder) for folder in DATA_FOLDERS},
    include_package_data=False,
    zip_safe=False,
    install_requires=["tutor>=22.0.0,<23.0.0"],
    entry_points={"tutor.plugin.v1": ["lmsauth = tutorplugin.plugin"]},
    classifiers=[
        "Environment :: Console",
        "Environment :: Web Environment",
        "Framework :: Django",
        "Intended Audience :: Developers",
        "Intended Audience :: System Administrators",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Education",
        "Topic :: System :: Systems Administration :: Authentication/Directory",
    ],
)
