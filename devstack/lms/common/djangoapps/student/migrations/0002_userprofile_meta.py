"""The profile's `meta` column (a JSON dictionary in a text field, as in the LMS)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("student", "0001_initial")]
    operations = [
        migrations.AddField(
            "userprofile", "meta", models.TextField(blank=True, default=""), preserve_default=False
        ),
    ]
