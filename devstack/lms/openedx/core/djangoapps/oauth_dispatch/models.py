"""Per-application access control, at the module path the LMS uses."""

from django.db import models
from oauth2_provider.settings import oauth2_settings

from .fields import ListCharField


class ApplicationAccess(models.Model):
    """The scopes (beyond the defaults) and filters an OAuth application may request."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, related_name="access", on_delete=models.CASCADE
    )
    scopes = ListCharField(max_length=25 * 33)
    filters = ListCharField(max_length=25 * 33, null=True, blank=True)

    class Meta:
        app_label = "oauth_dispatch"

    @classmethod
    def get_scopes(cls, application):
        return cls.objects.get(application=application).scopes

    @classmethod
    def get_filters(cls, application):
        return cls.objects.get(application=application).filters

    def __str__(self):
        return f"{self.application.name}:{self.scopes}:{self.filters}"
