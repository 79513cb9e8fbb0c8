from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    name = "enstream.apikeys"
    label = "apikeys"
    verbose_name = "API keys"

    def ready(self) -> None:
        # Registers the API key security scheme with drf-spectacular before any schema is built.
        from enstream.api import schema  # noqa: F401
