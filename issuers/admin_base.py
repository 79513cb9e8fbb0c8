"""What the commercial models' admin pages share: role-based access, read-only records (the
services change them, through admin actions) and history from django-simple-history."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from enstream.accounts.roles import Perm, has_perm
from issuers.errors import CommercialError


class DecisionForm(ActionForm):
    """Shown beside the action menu: what some actions need besides the selection."""

    reason = forms.CharField(required=False, max_length=500)
    cap = forms.IntegerField(required=False, min_value=1, help_text="SSD cap (approve)")


class RoleAdmin(admin.ModelAdmin):
    """Shown to the roles that hold `view_perm`, each seeing the rows its organisation may
    (`for_user`); never written here."""

    view_perm: Perm = Perm.ISSUERS_VIEW

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, self.view_perm)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm(request.user, self.view_perm)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).for_user(request.user)  # type: ignore[attr-defined]


class CommercialAdmin(RoleAdmin, SimpleHistoryAdmin):
    action_form = DecisionForm


def run_service(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    call: Callable[[Model, dict[str, Any]], Any],
    done: str,
) -> None:
    """Call a service for each selected object; report each refusal with its message."""
    form = {"reason": request.POST.get("reason", ""), "cap": request.POST.get("cap", "")}
    succeeded = 0
    for obj in queryset:
        try:
            call(obj, form)
        except CommercialError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)
