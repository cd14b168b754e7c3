from django.apps import AppConfig


class OAuthDispatchConfig(AppConfig):
    name = "openedx.core.djangoapps.oauth_dispatch"
    label = "oauth_dispatch"
