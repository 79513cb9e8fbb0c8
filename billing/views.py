"""Price-plan pages: the list, a plan with its versions and a month's quote, and the editor
(a new plan, a new version) with its live worked example.

A plan is read through `for_user`: an issuer sees the plans of its own agreements, an MNO
none. Plans are written by billing.services; the example is rated by billing.pricing.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing import tables
from billing.filters import PricePlanFilter
from billing.forms import (
    ExampleForm,
    PricePlanForm,
    PricePlanVersionForm,
    QuoteForm,
    TariffForm,
    first_of_next_month,
)
from billing.models import PricePlan, PricePlanVersion
from billing.money import DEFAULT_CURRENCY
from billing.price_plan_example import WorkedExample, worked_example
from billing.services import price_plan_create, price_plan_new_version, price_plan_quote
from enstream.accounts.roles import Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers.errors import CommercialError
from issuers.views.common import is_enstream, require
from issuers.views.history import history_rows, merged
from issuers.views.listing import ListPage


class PricePlanList(ListPage):
    perm = Perm.PRICE_PLANS_VIEW
    table = tables.PRICE_PLANS
    title = "Price plans"
    filterset_class = PricePlanFilter
    create_url_name = "billing:price_plan_create"
    create_label = "New price plan"
    create_perm = Perm.PRICE_PLANS_MANAGE

    def scoped_queryset(self) -> QuerySet:
        current = PricePlanVersion.objects.filter(
            plan=OuterRef("pk"), effective_from__lte=timezone.localdate()
        ).order_by("-effective_from")
        return PricePlan.objects.for_user(self.request.user).annotate(
            version_count=Count("versions"),
            current_from=Subquery(current.values("effective_from")[:1]),
        )


def _example(tariff: TariffForm, example: ExampleForm, currency: str) -> WorkedExample | None:
    if not (tariff.is_valid() and example.is_valid()):
        return None
    return worked_example(
        charges=tariff.charges,
        bands=tariff.bands,
        currency=currency,
        volumes=example.cleaned_data["volumes"],
        platform_volume=example.cleaned_data["platform_volume"],
    )


def _editor(
    request: HttpRequest,
    form: TariffForm,
    example_form: ExampleForm,
    *,
    plan: PricePlan | None,
    currency: str,
    starting_from: PricePlanVersion | None = None,
) -> HttpResponse:
    if form.is_bound:
        example = _example(form, example_form, currency)
    elif starting_from is not None:
        # A new version starts from the latest one's prices: show what they charge today.
        volumes, platform_volume = example_form.example_inputs()
        example = worked_example(
            charges=starting_from.charge_specs(),
            bands=starting_from.band_specs(),
            currency=currency,
            volumes=volumes,
            platform_volume=platform_volume,
        )
    else:
        example = None
    context = {"form": form, "example_form": example_form, "example": example, "plan": plan}
    return render(request, "billing/price_plans/editor.html", context)


@perm_required(Perm.PRICE_PLANS_MANAGE)
@require_http_methods(["GET", "POST"])
def price_plan_create_view(request: HttpRequest) -> HttpResponse:
    initial = {"effective_from": first_of_next_month(timezone.localdate())}
    form = PricePlanForm(request.POST or None, initial=initial)
    example_form = ExampleForm(request.POST or None, prefix="example")
    currency = request.POST.get("currency") or DEFAULT_CURRENCY
    if request.method == "POST" and "recalculate" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            plan = price_plan_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                currency=data["currency"],
                description=data["description"],
                effective_from=data["effective_from"],
                charges=form.charges,
                bands=form.bands,
            )
        except CommercialError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Price plan {plan.name} created.")
            return redirect("billing:price_plan_detail", pk=plan.pk)
    return _editor(request, form, example_form, plan=None, currency=currency)


@login_required
@require_http_methods(["GET", "POST"])
def price_plan_new_version_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user_or_404(PricePlan, request.user, pk=pk)
    require(request.user, Perm.PRICE_PLANS_MANAGE)
    latest = plan.versions.order_by("-number").first()
    initial = TariffForm.initial_from(
        latest.charge_specs() if latest else [], latest.band_specs() if latest else []
    )
    initial["effective_from"] = first_of_next_month(
        max(timezone.localdate(), latest.effective_from if latest else timezone.localdate())
    )
    form = PricePlanVersionForm(request.POST or None, initial=initial)
    example_form = ExampleForm(request.POST or None, prefix="example")
    if request.method == "POST" and "recalculate" not in request.POST and form.is_valid():
        try:
            version = price_plan_new_version(
                plan=plan,
                actor=request.user,
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                charges=form.charges,
                bands=form.bands,
            )
        except CommercialError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, f"Version {version.number} takes effect on {version.effective_from}."
            )
            return redirect("billing:price_plan_detail", pk=plan.pk)
    return _editor(
        request, form, example_form, plan=plan, currency=plan.currency, starting_from=latest
    )


@perm_required(Perm.PRICE_PLANS_MANAGE)
@require_POST
def price_plan_example_view(request: HttpRequest) -> HttpResponse:
    """The worked example alone, for the editor's script to swap in as inputs change."""
    form = TariffForm(request.POST)
    example_form = ExampleForm(request.POST, prefix="example")
    currency = (request.POST.get("currency") or DEFAULT_CURRENCY)[:3]
    context = {
        "form": form,
        "example_form": example_form,
        "example": _example(form, example_form, currency),
    }
    return render(request, "billing/price_plans/_example.html", context)


@login_required
def price_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user_or_404(PricePlan, request.user, pk=pk)
    require(request.user, Perm.PRICE_PLANS_VIEW)
    versions = plan.versions.select_related("created_by").prefetch_related(
        "charges__tiers", "bands"
    )
    current = plan.version_on(timezone.localdate()) or plan.versions.order_by("number").first()
    example_form = ExampleForm(
        request.GET if "example-volumes" in request.GET else None, prefix="example"
    )
    example = None
    if current is not None:
        volumes, platform_volume = example_form.example_inputs()
        example = worked_example(
            charges=current.charge_specs(),
            bands=current.band_specs(),
            currency=plan.currency,
            volumes=volumes,
            platform_volume=platform_volume,
        )
    context: dict[str, Any] = {
        "plan": plan,
        "versions": versions,
        "current": current,
        "example": example,
        "example_form": example_form,
        "quote_form": QuoteForm(request.GET if "month" in request.GET else None),
        "quote": None,
        "can_manage": request.user.can(Perm.PRICE_PLANS_MANAGE),
        # Which banks are on a plan is EnStream's to know, not another bank's.
        "agreements": plan.resale_agreements.select_related("issuer")
        if is_enstream(request.user)
        else None,
        "history": merged(
            history_rows(plan.history.all(), subject=lambda r: f"Plan {r.name}"),
            history_rows(
                PricePlanVersion.history.filter(plan_id=plan.pk),
                subject=lambda r: f"Version {r.number}",
            ),
        ),
    }
    quote_form = context["quote_form"]
    if quote_form.is_bound and quote_form.is_valid():
        try:
            context["quote"] = price_plan_quote(
                plan=plan,
                month=quote_form.cleaned_data["month"],
                quantities=quote_form.quantities(),
                platform_volume=quote_form.cleaned_data["platform_volume"],
            )
        except CommercialError as error:
            field = error.field if error.field in quote_form.fields else None
            quote_form.add_error(field, error.message)
    return render(request, "billing/price_plans/detail.html", context)
