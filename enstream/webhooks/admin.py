from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from enstream.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class _ReadOnly(admin.ModelAdmin):
    """Changes go through the portal's services, which audit them and keep secrets sealed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_ReadOnly):
    list_display = ["url", "organisation", "mode", "is_active", "consecutive_failures"]
    list_filter = ["is_active", "mode", "organisation"]
    exclude = ["secret", "previous_secret"]


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    list_display = ["event", "endpoint", "state", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["state"]
    list_select_related = ["event", "endpoint"]
    inlines = [AttemptInline]
