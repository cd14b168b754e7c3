"""A `tutor config save` that the plugin's checks refuse leaves config.yml as it was.

Tutor writes config.yml first and loads the full configuration afterwards, which is when the
checks run (CONFIG_LOADED): without this, the refused value would stay in config.yml and every
later command would stop on it. Tutor reads config.yml once before writing it and once after,
and tells plugins each time (CONFIG_USER): the text read before the write is the one to put back.
"""

from pathlib import Path

import click
from tutor import config as tutor_config
from tutor.commands.config import save as config_save_command
from tutor.commands.context import Context

# config.yml's path -> its texts as Tutor last read them, oldest first.
_reads: dict[Path, list[str]] = {}


def _config_file() -> Path | None:
    """config.yml of the project the running `tutor` command works on, if any."""
    context = click.get_current_context(silent=True)
    tutor_context = context.find_object(Context) if context else None
    return Path(tutor_config.config_path(tutor_context.root)) if tutor_context else None


def remember_read(items: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """CONFIG_USER callback: note what config.yml holds each time Tutor reads it (changing
    nothing of the configuration)."""
    path = _config_file()
    if path is not None and path.is_file():
        reads = _reads.setdefault(path, [])
        reads.append(path.read_text(encoding="utf-8"))
        del reads[:-2]
    return items


def undo() -> bool:
    """If `tutor config save` is what just wrote config.yml, put back the text it replaced;
    say whether it did."""
    context = click.get_current_context(silent=True)
    path = _config_file()
    if context is None or context.command is not config_save_command or path is None:
        return False
    reads = _reads.get(path, [])
    if len(reads) < 2 or reads[0] == reads[1] or path.read_text(encoding="utf-8") != reads[1]:
        return False
    path.write_text(reads[0], encoding="utf-8")
    reads.pop()
    return True
