from django.apps import AppConfig


class StandinConfig(AppConfig):
    name = "standin"
