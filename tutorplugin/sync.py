"""Provisioning: the LMS job that registers the OAuth clients, as init task and `do` command."""

from collections.abc import Iterator

import click

from .paths import TEMPLATES_DIR

SERVICE = "lms"
SCRIPT = (TEMPLATES_DIR / "lmsauth" / "tasks" / "lms" / "sync").read_text(encoding="utf-8")


def init_task() -> tuple[str, str]:
    return SERVICE, SCRIPT


@click.command(name="lmsauth-sync", help="Register the lmsauth OAuth clients in the LMS.")
def sync_command() -> Iterator[tuple[str, str]]:
    yield init_task()
