"""The stand-in's `auth_userprofile` table (written by hand: see ../models.py)."""

from django.conf import settings
from django.db import migrations, models

PRIMARY_KEY = {"auto_created": True, "primary_key": True, "serialize": False, "verbose_name": "ID"}
# The profile's optional short texts: (column, maximum length).
OPTIONAL_TEXTS = [
    ("country", 2),
    ("bio", 3000),
    ("level_of_education", 6),
    ("gender", 6),
    ("phone_number", 50),
]


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            "UserProfile",
            [
                ("id", models.AutoField(**PRIMARY_KEY)),
                ("name", models.CharField(blank=True, db_index=True, max_length=255)),
                ("language", models.CharField(blank=True, max_length=255)),
                ("year_of_birth", models.IntegerField(blank=True, null=True)),
                ("goals", models.TextField(blank=True, null=True)),
                ("mailing_address", models.TextField(blank=True, null=True)),
                *[
                    (column, models.CharField(blank=True, max_length=length, null=True))
                    for column, length in OPTIONAL_TEXTS
                ],
                (
                    "user",
                    models.OneToOneField(
                        on_delete=models.CASCADE,
                        related_name="profile",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"db_table": "auth_userprofile"},
        ),
    ]
