"""Which scopes an application may request: the defaults plus its ApplicationAccess scopes."""

from django.conf import settings
from oauth2_provider.scopes import SettingsScopes

from .models import ApplicationAccess


class ApplicationModelScopes(SettingsScopes):
    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return list(settings.OAUTH2_DEFAULT_SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        access = ApplicationAccess.objects.filter(application=application).first()
        granted = access.scopes if access else []
        return list(dict.fromkeys(self.get_default_scopes() + granted))
