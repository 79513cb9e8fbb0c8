from django.apps import AppConfig


class MnoConfig(AppConfig):
    name = "mno"
