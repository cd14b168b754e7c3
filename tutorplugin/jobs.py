"""Init tasks of the app's own jobs: its MySQL database and user, then its migrations."""

from .paths import TEMPLATES_DIR

SCRIPTS_DIR = TEMPLATES_DIR / "lmsauth" / "jobs" / "init"


def init_tasks() -> list[tuple[str, str]]:
    """(service, script) pairs, in order; Tutor renders each script when the job runs.

    Both always run (a task cannot depend on the config): in SQLite mode the MySQL one only
    says so. Credentials come from the jobs' environment, never from the scripts Tutor prints.
    """
    return [
        ("lmsauth-mysql", (SCRIPTS_DIR / "mysql.sh").read_text(encoding="utf-8")),
        ("lmsauth", (SCRIPTS_DIR / "migrate.sh").read_text(encoding="utf-8")),
    ]
