from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "enstream.audit"
    label = "audit"
