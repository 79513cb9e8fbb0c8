from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from enstream.accounts.roles import Perm
from issuers import services
from issuers.admin_base import CommercialAdmin, run_service
from issuers.models import (
    Allocation,
    Issuer,
    IssuerStatus,
    NetworkLine,
    ResaleAgreement,
)


def _issuer_action(target: str, label: str) -> Any:
    def act(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            modeladmin,
            request,
            queryset,
            lambda issuer, form: services.issuer_transition(
                issuer=issuer, to=target, actor=request.user, reason=form["reason"]
            ),
            f"Issuers now {target}",
        )

    act.__name__ = f"make_{target}"
    return admin.action(description=label)(act)


@admin.register(Issuer)
class IssuerAdmin(CommercialAdmin):
    view_perm = Perm.ISSUERS_VIEW
    list_display = ["legal_name", "organisation", "kind", "status", "status_changed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["legal_name", "organisation__name"]
    actions = [
        _issuer_action(IssuerStatus.ONBOARDING, "Start onboarding"),
        _issuer_action(IssuerStatus.LIVE, "Go live / resume"),
        _issuer_action(IssuerStatus.SUSPENDED, "Suspend (give a reason)"),
        _issuer_action(IssuerStatus.TERMINATED, "Terminate (give a reason)"),
    ]


class NetworkLineInline(admin.TabularInline):
    model = NetworkLine
    fields = ["mno", "phase_in_on", "status", "live_from", "live_until", "withdraw_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ResaleAgreement)
class ResaleAgreementAdmin(CommercialAdmin):
    view_perm = Perm.AGREEMENTS_VIEW
    list_display = ["number", "issuer", "status", "effective_on", "expires_on", "price_plan"]
    list_filter = ["status"]
    search_fields = ["number", "issuer__legal_name"]
    inlines = [NetworkLineInline]
    actions = ["sign", "activate", "end"]

    @admin.action(description="Sign")
    def sign(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda a, form: services.agreement_sign(agreement=a, actor=request.user),
            "Signed",
        )

    @admin.action(description="Activate")
    def activate(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda a, form: services.agreement_activate(agreement=a, actor=request.user),
            "Activated",
        )

    @admin.action(description="End today (give a reason)")
    def end(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda a, form: services.agreement_end(
                agreement=a, actor=request.user, reason=form["reason"]
            ),
            "Ended",
        )


@admin.register(NetworkLine)
class NetworkLineAdmin(CommercialAdmin):
    view_perm = Perm.AGREEMENTS_VIEW
    list_display = ["agreement", "mno", "phase_in_on", "status", "live_from", "live_until"]
    list_filter = ["status", "mno"]
    actions = ["phase_in", "withdraw"]

    @admin.action(description="Phase in today")
    def phase_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda line, form: services.network_line_phase_in(line=line, actor=request.user),
            "Phased in",
        )

    @admin.action(description="Withdraw today (give a reason)")
    def withdraw(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda line, form: services.network_line_withdraw(
                line=line, actor=request.user, reason=form["reason"]
            ),
            "Withdrawn",
        )


@admin.register(Allocation)
class AllocationAdmin(CommercialAdmin):
    view_perm = Perm.ALLOCATIONS_VIEW
    list_display = [
        "__str__",
        "status",
        "expected_ssds",
        "approved_cap",
        "ssds_created",
        "requested_at",
    ]
    list_filter = ["status", "network_line__mno"]
    actions = ["approve", "reject", "revoke"]

    @admin.action(description="Approve (cap: as given, else the SSDs requested)")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        def call(allocation: Allocation, form: dict[str, Any]) -> None:
            cap = int(form["cap"]) if form["cap"] else allocation.expected_ssds
            services.allocation_approve(allocation=allocation, actor=request.user, cap=cap)

        run_service(self, request, queryset, call, "Approved")

    @admin.action(description="Reject (give a reason)")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda a, form: services.allocation_reject(
                allocation=a, actor=request.user, reason=form["reason"]
            ),
            "Rejected",
        )

    @admin.action(description="Revoke (give a reason)")
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service(
            self,
            request,
            queryset,
            lambda a, form: services.allocation_revoke(
                allocation=a, actor=request.user, reason=form["reason"]
            ),
            "Revoked",
        )
