"""SE space: banks request it and follow their requests and usage against caps; account
managers work through the approvals queue."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from enstream.accounts.roles import Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers import services, tables
from issuers.errors import CommercialError
from issuers.filters import AllocationFilter
from issuers.forms import (
    AllocationRequestForm,
    ApproveForm,
    OptionalReasonForm,
    ReasonForm,
    ServiceForm,
)
from issuers.models import (
    AgreementStatus,
    Allocation,
    AllocationStatus,
    NetworkLine,
    SsdPrivilege,
)
from issuers.selectors import allocation_usage, transitions_available
from issuers.views.common import is_enstream, is_mno, require, show_refusal
from issuers.views.history import history_rows
from issuers.views.listing import ListPage
from mno.selectors import mno_capacity_used

_ALLOCATIONS = Allocation.objects.select_related(
    "network_line__mno", "network_line__agreement__issuer", "requested_by", "decided_by"
)


class AllocationList(ListPage):
    perm = Perm.ALLOCATIONS_VIEW
    table = tables.ALLOCATIONS
    title = "SE space"
    filterset_class = AllocationFilter
    create_url_name = "issuers:allocation_request"
    create_label = "Request SE space"
    create_perm = Perm.ALLOCATIONS_REQUEST

    def scoped_queryset(self) -> QuerySet:
        return Allocation.objects.for_user(self.request.user).select_related(
            "network_line__mno", "network_line__agreement__issuer"
        )


class ApprovalQueue(AllocationList):
    """Requests waiting for a decision, oldest first, each with its approve and reject
    forms in the row."""

    perm = Perm.ALLOCATIONS_APPROVE
    title = "SE space approvals"
    template_name = "issuers/approvals.html"
    filterset_class = None
    create_url_name = ""

    def scoped_queryset(self) -> QuerySet:
        return super().scoped_queryset().filter(status=AllocationStatus.REQUESTED)

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if "sort" not in self.request.GET:
            self.sort_key = "requested"
            queryset = queryset.order_by("requested_at", "pk")
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["queue"] = [
            {
                "allocation": allocation,
                "approve_form": ApproveForm(
                    auto_id=f"id_approve{allocation.pk}_%s",
                    initial={"cap": allocation.expected_ssds},
                ),
                "reject_form": ReasonForm(auto_id=f"id_reject{allocation.pk}_%s"),
            }
            for allocation in context["object_list"]
        ]
        return context


def _allocation_page(
    request: HttpRequest, allocation: Allocation, *, failed: tuple[str, ServiceForm] | None = None
) -> HttpResponse:
    targets = {t.status for t in transitions_available(allocation, request.user)}
    forms: dict[str, ServiceForm] = {}
    if AllocationStatus.APPROVED in targets:
        forms["approve"] = ApproveForm(
            auto_id="id_approve_%s", initial={"cap": allocation.expected_ssds}
        )
    if AllocationStatus.REJECTED in targets:
        forms["reject"] = ReasonForm(auto_id="id_reject_%s")
    if AllocationStatus.REVOKED in targets:
        forms["revoke"] = ReasonForm(auto_id="id_revoke_%s")
    if AllocationStatus.CANCELLED in targets:
        forms["cancel"] = OptionalReasonForm(auto_id="id_cancel_%s")
    if failed:
        forms[failed[0]] = failed[1]
    line = allocation.network_line
    labels = dict(SsdPrivilege.choices)
    context = {
        "allocation": allocation,
        "usage": allocation_usage(allocation),
        "privileges": [labels.get(p, p) for p in allocation.privileges],
        "forms": forms,
        # The network's whole capacity is EnStream's business, shown to whoever decides.
        "capacity": mno_capacity_used(line.mno) if "approve" in forms else None,
        "show_agreement": not is_mno(request.user),
        "history": history_rows(allocation.history.all()),
    }
    return render(request, "issuers/allocation_detail.html", context)


@login_required
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_for_user_or_404(_ALLOCATIONS, request.user, pk=pk)
    require(request.user, Perm.ALLOCATIONS_VIEW)
    return _allocation_page(request, allocation)


def _requestable_lines(user: Any) -> QuerySet:
    return (
        NetworkLine.objects.for_user(user)
        .current()
        .filter(agreement__status__in=[AgreementStatus.SIGNED, AgreementStatus.ACTIVE])
        .select_related("mno", "agreement__issuer")
        .order_by("agreement__issuer__legal_name", "mno__name")
    )


@perm_required(Perm.ALLOCATIONS_REQUEST)
@require_http_methods(["GET", "POST"])
def allocation_request(request: HttpRequest) -> HttpResponse:
    lines = _requestable_lines(request.user)
    initial = {"network_line": request.GET.get("line")} if request.GET.get("line") else {}
    form = AllocationRequestForm(
        request.POST or None, lines=lines, with_issuer=is_enstream(request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            allocation = services.allocation_request(actor=request.user, **form.service_kwargs())
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request, f"Request #{allocation.pk} sent: an account manager will decide on it."
            )
            return redirect("issuers:allocation_detail", pk=allocation.pk)
    return render(request, "issuers/allocation_form.html", {"form": form, "has_lines": lines})


def _decision(
    name: str,
    perm: Perm,
    form_class: type[ServiceForm],
    call: Callable[[Allocation, Any, dict[str, Any]], Allocation],
    done: str,
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST that decides on an allocation; a refusal shows the allocation with the form
    and its error (the queue's forms post here too)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        allocation = get_for_user_or_404(_ALLOCATIONS, request.user, pk=pk)
        require(request.user, perm)
        form = form_class(request.POST, auto_id=f"id_{name}_%s")
        if form.is_valid():
            try:
                allocation = call(allocation, request.user, form.cleaned_data)
            except CommercialError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Allocation #{allocation.pk} {done}.")
                back = request.POST.get("next")
                if back == "queue" and request.user.can(Perm.ALLOCATIONS_APPROVE):
                    return redirect("issuers:approvals")
                return redirect("issuers:allocation_detail", pk=allocation.pk)
        return _allocation_page(request, allocation, failed=(name, form))

    return view


allocation_approve = _decision(
    "approve",
    Perm.ALLOCATIONS_APPROVE,
    ApproveForm,
    lambda a, actor, data: services.allocation_approve(allocation=a, actor=actor, **data),
    "is approved",
)
allocation_reject = _decision(
    "reject",
    Perm.ALLOCATIONS_APPROVE,
    ReasonForm,
    lambda a, actor, data: services.allocation_reject(allocation=a, actor=actor, **data),
    "is rejected",
)
allocation_revoke = _decision(
    "revoke",
    Perm.ALLOCATIONS_APPROVE,
    ReasonForm,
    lambda a, actor, data: services.allocation_revoke(allocation=a, actor=actor, **data),
    "is revoked",
)
allocation_cancel = _decision(
    "cancel",
    Perm.ALLOCATIONS_REQUEST,
    OptionalReasonForm,
    lambda a, actor, data: services.allocation_cancel(allocation=a, actor=actor, **data),
    "is cancelled",
)
