"""Where the plugin's data folders (patches, templates, app) live once installed."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder `name` (patches, templates or app).

    A wheel ships it inside the package; an editable install (or a checkout) keeps it at the
    repository root, next to the package, where importlib.resources cannot see it.
    """
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lmsauth: the plugin's '{name}' folder is missing from {PACKAGE_DIR}")


PATCHES_DIR = data_dir("patches")
TEMPLATES_DIR = data_dir("templates")


def read_patches() -> list[tuple[str, str]]:
    """(patch name, template) for each file of patches/: one file per patch, named after it."""
    return [
        (path.name, path.read_text(encoding="utf-8"))
        for path in sorted(PATCHES_DIR.iterdir())
        if path.is_file() and not path.name.startswith((".", "__"))
    ]
