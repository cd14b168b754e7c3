"""Tutor plugin of the launch rehearsal: the init tasks the stand-in Open edX image can run.

Tutor's core init tasks of lms, cms and meilisearch drive the real edx-platform (Meilisearch
keys and indexes, waffle switches, Studio indexes, authorization policies), which the stand-in
LMS does not have. They are replaced by the step of the LMS task the stand-in shares: its
migrations. Tutor's MySQL init task is kept and runs as it is.
"""

from tutor import hooks
from tutor.hooks import priorities

for _service in ("lms", "cms", "meilisearch"):
    hooks.Filters.CLI_DO_INIT_TASKS.clear(context=hooks.Contexts.app(_service).name)

# Before the other plugins' LMS tasks, as the core LMS task would be.
hooks.Filters.CLI_DO_INIT_TASKS.add_item(
    ("lms", "./manage.py lms migrate --noinput"), priority=priorities.HIGH
)
