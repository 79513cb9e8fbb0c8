"""Issuers: the list, one issuer with its status moves and agreements, and onboarding."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from enstream.accounts.roles import Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers import services, tables
from issuers.errors import CommercialError
from issuers.filters import IssuerFilter
from issuers.forms import IssuerCreateForm, TransitionForm
from issuers.models import Issuer, IssuerStatus, LineStatus
from issuers.selectors import transitions_available
from issuers.views.common import require, show_refusal
from issuers.views.history import history_rows
from issuers.views.listing import ListPage


class IssuerList(ListPage):
    perm = Perm.ISSUERS_VIEW
    table = tables.ISSUERS
    title = "Issuers"
    filterset_class = IssuerFilter
    create_url_name = "issuers:create"
    create_label = "New issuer"
    create_perm = Perm.ISSUERS_MANAGE

    def scoped_queryset(self) -> QuerySet:
        live = Q(agreements__lines__status=LineStatus.LIVE)
        return Issuer.objects.for_user(self.request.user).annotate(
            networks_live=Count("agreements__lines", filter=live)
        )


def _issuer_page(
    request: HttpRequest, issuer: Issuer, *, transition_form: TransitionForm | None = None
) -> HttpResponse:
    agreements = issuer.agreements.select_related("price_plan").annotate(
        current_lines=Count("lines", filter=~Q(lines__status=LineStatus.WITHDRAWN))
    )
    context: dict[str, Any] = {
        "issuer": issuer,
        "agreements": agreements,
        "targets": transitions_available(issuer, request.user),
        "transition_form": transition_form,
        "can_write_agreement": request.user.can(Perm.AGREEMENTS_MANAGE)
        and issuer.status != IssuerStatus.TERMINATED,
        "history": history_rows(issuer.history.all()),
    }
    return render(request, "issuers/issuer_detail.html", context)


@login_required
def issuer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = get_for_user_or_404(Issuer.objects.select_related("organisation"), request.user, pk=pk)
    require(request.user, Perm.ISSUERS_VIEW)
    return _issuer_page(request, issuer)


@login_required
@require_POST
def issuer_transition(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = get_for_user_or_404(Issuer.objects.select_related("organisation"), request.user, pk=pk)
    require(request.user, Perm.ISSUERS_MANAGE)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            issuer = services.issuer_transition(
                issuer=issuer,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{issuer} is now {issuer.get_status_display().lower()}.")
            return redirect("issuers:detail", pk=issuer.pk)
    return _issuer_page(request, issuer, transition_form=form)


@perm_required(Perm.ISSUERS_MANAGE)
@require_http_methods(["GET", "POST"])
def issuer_create(request: HttpRequest) -> HttpResponse:
    form = IssuerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issuer = services.issuer_create(actor=request.user, **form.service_kwargs())
        except CommercialError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{issuer} is set up as a prospect.")
            return redirect("issuers:detail", pk=issuer.pk)
    return render(request, "issuers/issuer_form.html", {"form": form})
