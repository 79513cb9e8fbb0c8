"""The audit log pages. Reading the log is itself recorded (PCI DSS 10.2.1.3)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.generic import DetailView, ListView

from enstream.accounts.roles import Perm
from enstream.audit.filters import AuditEntryFilter
from enstream.audit.models import AUDIT_VIEWED, AuditEntry
from enstream.audit.services import audit_record
from enstream.portal.access import PermRequiredMixin
from enstream.tenancy import get_for_user_or_404

PAGE_SIZE = 50


class AuditEntryListView(PermRequiredMixin, ListView):
    perm = Perm.AUDIT_VIEW
    template_name = "audit/entry_list.html"
    context_object_name = "entries"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[AuditEntry]:
        scoped = AuditEntry.objects.for_user(self.request.user)
        self.filterset = AuditEntryFilter(
            self.request.GET or None, queryset=scoped, user=self.request.user
        )
        return self.filterset.qs.select_related("organisation")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit_record(
            action=AUDIT_VIEWED,
            organisation=request.user.organisation_id,  # type: ignore[union-attr]
            detail=f"list {request.GET.urlencode()}"[:500],
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filterset.form
        return context


class AuditEntryDetailView(PermRequiredMixin, DetailView):
    perm = Perm.AUDIT_VIEW
    template_name = "audit/entry_detail.html"
    context_object_name = "entry"

    def get_object(self, queryset: QuerySet[AuditEntry] | None = None) -> AuditEntry:
        entry = get_for_user_or_404(
            AuditEntry.objects.select_related("organisation", "actor_organisation"),
            self.request.user,
            pk=self.kwargs["pk"],
        )
        audit_record(
            action=AUDIT_VIEWED,
            organisation=self.request.user.organisation_id,  # type: ignore[union-attr]
            detail=f"entry #{entry.seq}",
        )
        return entry

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["change_rows"] = change_rows(self.object.action, self.object.changes)
        return context


def change_rows(action: str, changes: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) rows: an update holds both sides, a delete the values it
    removed, anything else the values it set."""
    rows = []
    for name, value in sorted(changes.items()):
        if action == "update" and isinstance(value, list) and len(value) == 2:
            rows.append((name, value[0], value[1]))
        elif action == "delete":
            rows.append((name, value, None))
        else:
            rows.append((name, None, value))
    return rows
