from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "enstream.portal"
    label = "portal"

    def ready(self) -> None:
        # Every app's `panels.py` registers its dashboard panels on import.
        autodiscover_modules("panels")
