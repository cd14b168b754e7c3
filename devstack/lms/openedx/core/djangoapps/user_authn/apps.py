from django.apps import AppConfig


class UserAuthnConfig(AppConfig):
    name = "openedx.core.djangoapps.user_authn"
    label = "user_authn"
