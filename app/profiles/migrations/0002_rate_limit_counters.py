"""The database cache table of the per-address sign-in counters (see profiles.counters).

`manage.py migrate` is what every runner already runs (the init task, the Kubernetes job or init
container), so the table comes with it instead of a separate `createcachetable`.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "lmsauth_rate_limits"


def create_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(create_table, drop_table)]
