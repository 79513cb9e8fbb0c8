from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "enstream.portal"
    label = "portal"
