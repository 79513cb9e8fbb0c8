"""The SE registry pages: list and search, detail, SIM inventory import, network simulation.

Views call the services and selectors; every queryset goes through `for_user`.
"""

import secrets
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import DetailView, ListView

from enstream.accounts.roles import OrgKind, Perm, has_perm
from enstream.portal.access import PermRequiredMixin, perm_required
from enstream.tenancy import get_for_user_or_404
from mno.custody import SdKeySet
from mno.errors import RegistryError
from mno.filters import SecureElementFilter
from mno.forms import ImportForm, NetworkSimulationForm
from mno.imports import ImportResult, se_import_csv
from mno.models import MNO, AdapterKind, ConnectionSettings
from mno.ota.models import OtaExchange
from mno.ota.simulated import NetworkProfile
from mno.registry import MsisdnAssignment, SecureElement, SubscriberMove
from mno.services import mno_connection_configure
from mno.virtual_cards import virtual_card_domains

PAGE_SIZE = 50
REPORT_SECONDS = 3600
REJECTED_SHOWN = 100


def _is_enstream(user: Any) -> bool:
    return user.organisation.kind == OrgKind.ENSTREAM


class SecureElementListView(PermRequiredMixin, ListView):
    perm = Perm.SE_REGISTRY_VIEW
    template_name = "mno/registry_list.html"
    context_object_name = "ses"
    paginate_by = PAGE_SIZE

    def get_queryset(self) -> QuerySet[SecureElement]:
        scoped = SecureElement.objects.for_user(self.request.user)
        self.filterset = SecureElementFilter(
            self.request.GET or None, queryset=scoped, user=self.request.user
        )
        return self.filterset.qs.select_related("mno").order_by("iccid")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filterset.form
        context["is_enstream"] = _is_enstream(self.request.user)
        context["can_import"] = has_perm(self.request.user, Perm.SE_REGISTRY_IMPORT)
        return context


class SecureElementDetailView(PermRequiredMixin, DetailView):
    perm = Perm.SE_REGISTRY_VIEW
    template_name = "mno/registry_detail.html"
    context_object_name = "se"

    def get_object(self, queryset: QuerySet | None = None) -> SecureElement:
        return get_for_user_or_404(
            SecureElement.objects.select_related("mno"), self.request.user, pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        se = self.object
        user = self.request.user
        context["assignments"] = MsisdnAssignment.objects.for_user(user).filter(se=se)[:50]
        # Moves in and out of this SE; the SE is already scoped, so both directions show.
        context["moves"] = (
            SubscriberMove.objects.filter(Q(from_se=se) | Q(to_se=se))
            .select_related("from_se", "to_se", "from_mno", "to_mno")
            .order_by("-created_at")[:50]
        )
        context["is_enstream"] = _is_enstream(user)
        if context["is_enstream"]:
            context["key_sets"] = (
                SdKeySet.objects.for_user(user).filter(se=se).select_related("issuer")
            )
            context["card_domains"] = virtual_card_domains(se)
            context["exchanges"] = OtaExchange.objects.for_user(user).filter(se=se)[:20]
        return context


def _report_key(token: str) -> str:
    return f"mno:import-report:{token}"


@perm_required(Perm.SE_REGISTRY_IMPORT)
def se_import(request: HttpRequest) -> HttpResponse:
    user = request.user
    result: ImportResult | None = None
    report_token = ""
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        if _is_enstream(user):
            mno = form.cleaned_data["mno"]
        else:
            mno = MNO.objects.for_user(user).first()
            if mno is None:
                raise Http404
        try:
            result = se_import_csv(
                mno=mno,
                file=form.cleaned_data["file"],
                actor=user,
                sandbox=form.cleaned_data.get("sandbox", False),
            )
        except RegistryError as error:
            form.add_error("file", error.message)
        else:
            if result.ok:
                messages.success(request, f"{result.imported} SEs imported into {mno}.")
                return redirect("mno:se_list")
            # The report is bound to the user who uploaded the file, for an hour.
            report_token = secrets.token_urlsafe(16)
            cache.set(
                _report_key(report_token),
                {"user": user.pk, "csv": result.report_csv()},
                REPORT_SECONDS,
            )
    return render(
        request,
        "mno/registry_import.html",
        {
            "form": form,
            "result": result,
            "rejected": result.rejected[:REJECTED_SHOWN] if result else [],
            "report_token": report_token,
        },
    )


@perm_required(Perm.SE_REGISTRY_IMPORT)
def se_import_report(request: HttpRequest, token: str) -> HttpResponse:
    report = cache.get(_report_key(token))
    if not report or report["user"] != request.user.pk:
        raise Http404
    response = HttpResponse(report["csv"], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rejected-rows.csv"'
    return response


@perm_required(Perm.NETWORK_SETTINGS_MANAGE)
def network_list(request: HttpRequest) -> HttpResponse:
    networks = MNO.objects.for_user(request.user).select_related("connection").order_by("name")
    return render(request, "mno/registry_networks.html", {"networks": networks})


def _connection(mno: MNO) -> ConnectionSettings | None:
    return ConnectionSettings.objects.filter(mno=mno).first()


@perm_required(Perm.NETWORK_SETTINGS_MANAGE)
def network_simulation(request: HttpRequest, pk: int) -> HttpResponse:
    mno = get_for_user_or_404(MNO, request.user, pk=pk)
    connection = _connection(mno)
    simulated = connection is None or connection.adapter_kind == AdapterKind.SIMULATED
    current = connection.parameters if connection is not None else {}
    try:
        initial = NetworkProfile.from_parameters(current).to_parameters()
    except RegistryError:
        initial = NetworkProfile().to_parameters()
    form = NetworkSimulationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not simulated:
            form.add_error(None, f"{mno} is reached through a real adapter, not the simulation.")
        else:
            # Parameters of other kinds (a gateway's endpoint, say) are kept as they were.
            parameters = {**current, **form.profile.to_parameters()}
            parameters.pop("fault_rate", None)
            mno_connection_configure(
                mno=mno,
                actor=request.user,
                adapter_kind=AdapterKind.SIMULATED,
                parameters=parameters,
            )
            messages.success(request, f"The simulated network of {mno} is updated.")
            return redirect("mno:network_list")
    return render(
        request,
        "mno/registry_network_form.html",
        {"form": form, "mno": mno, "simulated": simulated, "connection": connection},
    )
