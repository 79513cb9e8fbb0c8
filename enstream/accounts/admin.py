"""The admin shows accounts for support; changes to users go through the portal's audited
pages (enstream/accounts/views/users.py), so users, invitations and devices are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from enstream.accounts.models import (
    BackupCodeDevice,
    EncryptedTOTPDevice,
    Invitation,
    Organisation,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "second_factor_for_all", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "second_factor_for_all"]
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["email", "full_name", "organisation", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["email", "full_name", "organisation__name"]
    exclude = ["password", "groups", "user_permissions"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    exclude = ["token_hash"]


@admin.register(EncryptedTOTPDevice)
class AuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ["user", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    search_fields = ["user__email"]
    exclude = ["secret"]


@admin.register(BackupCodeDevice)
class BackupCodesAdmin(ReadOnlyAdmin):
    list_display = ["user", "confirmed", "throttling_failure_count"]
    search_fields = ["user__email"]
