from django.apps import AppConfig


class StudentConfig(AppConfig):
    name = "common.djangoapps.student"
    label = "student"
