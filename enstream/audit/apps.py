from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "enstream.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from enstream.accounts.models import Organisation, User
        from enstream.audit import auth_events  # noqa: F401  (connects the receivers)
        from enstream.audit.registry import audit_register

        audit_register(Organisation)
        # A sign-in saves last_login; the sign-in itself is what the log records.
        audit_register(User, exclude=("last_login",))
