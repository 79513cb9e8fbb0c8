from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from enstream.apikeys.models import ApiKey, IdempotencyRecord


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created and revoked in the portal; here staff may only set a key's rate plan."""

    list_display = ["prefix", "name", "organisation", "mode", "status", "last_used_at"]
    list_filter = ["mode", "organisation"]
    search_fields = ["prefix", "name"]
    fields = [
        "prefix",
        "name",
        "organisation",
        "user",
        "mode",
        "scopes",
        "allowed_cidrs",
        "rate_limit",
        "expires_at",
        "created_by",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_by",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field for field in self.fields if field != "rate_limit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["token", "organisation", "mode", "method", "path", "state", "created_at"]
    list_filter = ["state", "mode"]
    search_fields = ["token", "path"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
