from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from enstream.accounts.roles import Perm, has_perm
from enstream.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is written by audit_record alone."""

    list_display = ("seq", "created_at", "actor_label", "action", "object_type", "object_label")
    list_filter = ("action", "via", "outcome")
    search_fields = ("actor_label", "object_label", "object_id", "detail")
    date_hierarchy = "created_at"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, Perm.AUDIT_VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, Perm.AUDIT_VIEW)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
