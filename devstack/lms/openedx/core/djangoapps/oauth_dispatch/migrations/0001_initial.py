"""The stand-in's ApplicationAccess table (written by hand: see ../models.py)."""

from django.conf import settings
from django.db import migrations, models

from openedx.core.djangoapps.oauth_dispatch.fields import ListCharField

APPLICATION = settings.OAUTH2_PROVIDER_APPLICATION_MODEL
PRIMARY_KEY = {"auto_created": True, "primary_key": True, "serialize": False, "verbose_name": "ID"}
FIELDS = [
    ("id", models.AutoField(**PRIMARY_KEY)),
    ("scopes", ListCharField(max_length=825)),
    ("filters", ListCharField(blank=True, max_length=825, null=True)),
    ("application", models.OneToOneField(APPLICATION, models.CASCADE, related_name="access")),
]


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(APPLICATION)]
    operations = [migrations.CreateModel("ApplicationAccess", FIELDS)]
