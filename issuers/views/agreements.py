"""The agreement editor: a resale agreement, its network lines and their phase-in dates.

Account managers write a draft, add networks, sign, activate and end it; bank staff read
their own agreement here, with usage against caps per network and no wholesale figure.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from billing.models import PricePlan
from enstream.accounts.roles import OrgKind, Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers import services, tables
from issuers.errors import CommercialError
from issuers.filters import AgreementFilter
from issuers.forms import (
    AgreementForm,
    EndForm,
    NetworkLineForm,
    PhaseInForm,
    ReasonForm,
    RescheduleForm,
    ServiceForm,
)
from issuers.models import AgreementStatus, Issuer, LineStatus, NetworkLine, ResaleAgreement
from issuers.models.agreements import MAX_NETWORKS
from issuers.selectors import agreement_in_force, issuer_network_usage, transitions_available
from issuers.views.common import require, show_refusal
from issuers.views.history import history_rows, merged
from issuers.views.listing import ListPage

_AGREEMENTS = ResaleAgreement.objects.select_related("issuer__organisation", "price_plan")
_LINES = NetworkLine.objects.select_related("agreement__issuer", "mno")


class AgreementList(ListPage):
    perm = Perm.AGREEMENTS_VIEW
    table = tables.AGREEMENTS
    title = "Resale agreements"
    filterset_class = AgreementFilter

    def scoped_queryset(self) -> QuerySet:
        current = ~Q(lines__status=LineStatus.WITHDRAWN)
        return (
            ResaleAgreement.objects.for_user(self.request.user)
            .select_related("issuer", "price_plan")
            .annotate(current_lines=Count("lines", filter=current))
        )


def _line_auto_id(line: NetworkLine, action: str) -> str:
    # Every line has its own forms on one page: their input ids must not collide.
    return f"id_line{line.pk}_{action}_%s"


def _line_rows(
    request: HttpRequest, agreement: ResaleAgreement, failed: tuple[int, str, ServiceForm] | None
) -> list[dict[str, Any]]:
    """Per network line: its usage and, for those who may move it, one form per move (the
    form that just failed, with its errors, in place of a fresh one)."""
    manage = request.user.can(Perm.AGREEMENTS_MANAGE)
    rows = []
    for usage in issuer_network_usage(agreement):
        line = usage.line
        forms: dict[str, ServiceForm] = {}
        if manage and line.status == LineStatus.PLANNED:
            forms["phase_in"] = PhaseInForm(auto_id=_line_auto_id(line, "phase_in"))
            forms["reschedule"] = RescheduleForm(
                auto_id=_line_auto_id(line, "reschedule"),
                initial={"phase_in_on": line.phase_in_on},
            )
        if manage and line.status != LineStatus.WITHDRAWN:
            forms["withdraw"] = ReasonForm(auto_id=_line_auto_id(line, "withdraw"))
        if failed and failed[0] == line.pk:
            forms[failed[1]] = failed[2]
        rows.append({"usage": usage, "line": line, "forms": forms})
    return rows


def _agreement_page(
    request: HttpRequest,
    agreement: ResaleAgreement,
    *,
    line_form: NetworkLineForm | None = None,
    end_form: EndForm | None = None,
    action_form: ServiceForm | None = None,
    failed_line: tuple[int, str, ServiceForm] | None = None,
) -> HttpResponse:
    manage = request.user.can(Perm.AGREEMENTS_MANAGE)
    lines = agreement.lines.all()
    can_add_line = (
        manage
        and agreement.status != AgreementStatus.ENDED
        and lines.exclude(status=LineStatus.WITHDRAWN).count() < MAX_NETWORKS
    )
    line_history = history_rows(
        NetworkLine.history.filter(agreement_id=agreement.pk),
        subject=lambda record: f"Network line {record.mno}",
    )
    context = {
        "agreement": agreement,
        "line_rows": _line_rows(request, agreement, failed_line),
        "targets": [t.status for t in transitions_available(agreement, request.user)],
        "line_form": line_form or (NetworkLineForm() if can_add_line else None),
        "end_form": end_form or EndForm(),
        "action_form": action_form,
        "can_manage": manage,
        "can_request": request.user.can(Perm.ALLOCATIONS_REQUEST)
        and agreement.status in (AgreementStatus.SIGNED, AgreementStatus.ACTIVE),
        "can_see_plan": request.user.can(Perm.PRICE_PLANS_VIEW),
        "history": merged(
            history_rows(agreement.history.all(), subject=lambda r: f"Agreement {r.number}"),
            line_history,
        ),
    }
    return render(request, "issuers/agreement_detail.html", context)


def _agreement(request: HttpRequest, pk: int) -> ResaleAgreement:
    return get_for_user_or_404(_AGREEMENTS, request.user, pk=pk)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    require(request.user, Perm.AGREEMENTS_VIEW)
    return _agreement_page(request, agreement)


@perm_required(Perm.AGREEMENTS_VIEW)
def our_agreement(request: HttpRequest) -> HttpResponse:
    """A bank's way in: the agreement in force, else the one being put in place, else the
    latest. EnStream staff have the list instead."""
    if request.user.organisation.kind != OrgKind.ISSUER:
        return redirect("issuers:agreement_list")
    issuer = Issuer.objects.for_user(request.user).first()
    agreement = None
    if issuer is not None:
        agreement = (
            agreement_in_force(issuer)
            or issuer.agreements.exclude(status=AgreementStatus.ENDED)
            .order_by("-effective_on")
            .first()
            or issuer.agreements.order_by("-effective_on").first()
        )
    if agreement is None:
        return render(request, "issuers/no_agreement.html", {"issuer": issuer})
    return redirect("issuers:agreement_detail", pk=agreement.pk)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft agreement for the issuer `pk`."""
    issuer = get_for_user_or_404(Issuer, request.user, pk=pk)
    require(request.user, Perm.AGREEMENTS_MANAGE)
    plans = PricePlan.objects.for_user(request.user)
    form = AgreementForm(request.POST or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.agreement_create(
                issuer=issuer,
                actor=request.user,
                effective_on=data["effective_on"],
                expires_on=data["expires_on"],
                price_plan=data["price_plan"],
                number=data["number"] or None,
            )
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Draft {agreement.number} written: add its networks.")
            return redirect("issuers:agreement_detail", pk=agreement.pk)
    return render(
        request, "issuers/agreement_form.html", {"form": form, "issuer": issuer, "agreement": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    require(request.user, Perm.AGREEMENTS_MANAGE)
    plans = PricePlan.objects.for_user(request.user)
    initial = {
        "effective_on": agreement.effective_on,
        "expires_on": agreement.expires_on,
        "price_plan": agreement.price_plan_id,
    }
    form = AgreementForm(request.POST or None, plans=plans, with_number=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_update(
                agreement=agreement, actor=request.user, **form.cleaned_data
            )
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Draft {agreement.number} updated.")
            return redirect("issuers:agreement_detail", pk=agreement.pk)
    context = {"form": form, "issuer": agreement.issuer, "agreement": agreement}
    return render(request, "issuers/agreement_form.html", context)


def _agreement_action(
    service: Callable[..., ResaleAgreement], form_class: type[ServiceForm] | None, done: str
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST that moves the agreement's status through `service`."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        agreement = _agreement(request, pk)
        require(request.user, Perm.AGREEMENTS_MANAGE)
        form = form_class(request.POST) if form_class else ServiceForm(request.POST)
        if form.is_valid():
            try:
                agreement = service(agreement=agreement, actor=request.user, **form.cleaned_data)
            except CommercialError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Agreement {agreement.number} {done}.")
                return redirect("issuers:agreement_detail", pk=agreement.pk)
        if form_class is EndForm:
            return _agreement_page(request, agreement, end_form=form)
        return _agreement_page(request, agreement, action_form=form)

    return view


agreement_sign = _agreement_action(services.agreement_sign, None, "is signed")
agreement_activate = _agreement_action(services.agreement_activate, None, "is active")
agreement_end = _agreement_action(services.agreement_end, EndForm, "has ended")


@login_required
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    require(request.user, Perm.AGREEMENTS_MANAGE)
    form = NetworkLineForm(request.POST)
    if form.is_valid():
        try:
            line = services.agreement_add_network_line(
                agreement=agreement, actor=request.user, **form.cleaned_data
            )
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{line.mno} phases in on {line.phase_in_on:%Y-%m-%d}.")
            return redirect("issuers:agreement_detail", pk=agreement.pk)
    return _agreement_page(request, agreement, line_form=form)


def _line_action(
    name: str, service: Callable[..., NetworkLine], form_class: type[ServiceForm], done: str
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST on one network line; a refusal re-renders the agreement with the line's form."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        line = get_for_user_or_404(_LINES, request.user, pk=pk)
        require(request.user, Perm.AGREEMENTS_MANAGE)
        form = form_class(request.POST, auto_id=_line_auto_id(line, name))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v is not None}
            try:
                line = service(line=line, actor=request.user, **data)
            except CommercialError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"{line.mno} {done}.")
                return redirect("issuers:agreement_detail", pk=line.agreement_id)
        agreement = _agreement(request, line.agreement_id)
        return _agreement_page(request, agreement, failed_line=(line.pk, name, form))

    return view


line_phase_in = _line_action("phase_in", services.network_line_phase_in, PhaseInForm, "is live")
line_reschedule = _line_action(
    "reschedule", services.network_line_reschedule, RescheduleForm, "is rescheduled"
)
line_withdraw = _line_action(
    "withdraw", services.network_line_withdraw, ReasonForm, "is withdrawn from the agreement"
)
