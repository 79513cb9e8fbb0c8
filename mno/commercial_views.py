"""The commercial side of the networks: what EnStream buys from each MNO and what it sold.

Account managers see every network; an MNO's staff see their own network: their wholesale
agreement, the capacity sold and used, and SSD counts per issuer. Nothing here reads a
resale price, so none can leak to an MNO.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from enstream.accounts.roles import OrgKind, Perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers.models import Allocation, AllocationStatus, LineStatus
from issuers.views.common import is_enstream, require
from issuers.views.history import history_rows, merged
from issuers.views.listing import ListPage
from mno import tables
from mno.filters import MnoFilter
from mno.models import MNO, WholesaleAgreement
from mno.selectors import mno_capacity_used, mno_issuer_usage, wholesale_agreement_in_force


def _per_mno(value: Sum | Count) -> Subquery:
    """One figure per network from its allocations, as a subquery, so the list costs the same
    number of queries for five networks or fifty."""
    rows = (
        Allocation.objects.filter(network_line__mno=OuterRef("pk"))
        .order_by()
        .values("network_line__mno")
        .annotate(figure=value)
        .values("figure")
    )
    return Coalesce(Subquery(rows), 0)


class NetworkList(ListPage):
    perm = Perm.MNOS_VIEW
    table = tables.NETWORKS
    title = "Networks"
    filterset_class = MnoFilter

    def scoped_queryset(self) -> QuerySet:
        in_force = WholesaleAgreement.objects.in_force(timezone.localdate()).filter(
            mno=OuterRef("pk")
        )
        return MNO.objects.for_user(self.request.user).annotate(
            wholesale_reference=Subquery(in_force.values("reference")[:1]),
            capacity_ssds=Coalesce(Subquery(in_force.values("capacity_ssds")[:1]), 0),
            approved_ssds=_per_mno(Sum("approved_cap", filter=Q(status=AllocationStatus.APPROVED))),
            ssds_created=_per_mno(Sum("ssds_created")),
            issuers=_per_mno(Count("network_line__agreement__issuer", distinct=True)),
        )


@login_required
def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mno = get_for_user_or_404(MNO.objects.prefetch_related("network_codes"), request.user, pk=pk)
    require(request.user, Perm.MNOS_VIEW)
    wholesale = mno.wholesale_agreements.order_by("-starts_on")
    show_wholesale = request.user.can(Perm.WHOLESALE_VIEW)
    context = {
        "mno": mno,
        "capacity": mno_capacity_used(mno),
        "issuer_usage": mno_issuer_usage(mno),
        "in_force": wholesale_agreement_in_force(mno) if show_wholesale else None,
        "wholesale_agreements": wholesale if show_wholesale else [],
        # Which issuers phase in when is EnStream's pipeline, not the network's business.
        "lines": mno.network_lines.exclude(status=LineStatus.WITHDRAWN)
        .select_related("agreement__issuer")
        .order_by("phase_in_on")
        if is_enstream(request.user)
        else None,
        "history": merged(
            history_rows(mno.history.all(), subject=lambda r: r.name),
            history_rows(
                WholesaleAgreement.history.filter(mno_id=mno.pk),
                subject=lambda r: f"Wholesale {r.reference}",
            )
            if show_wholesale
            else [],
        ),
    }
    return render(request, "mno/commercial/network_detail.html", context)


@perm_required(Perm.MNOS_VIEW)
def our_network(request: HttpRequest) -> HttpResponse:
    """An MNO's staff land on their own network; EnStream staff on the list."""
    if request.user.organisation.kind != OrgKind.MNO:
        return redirect("networks:list")
    mno = MNO.objects.for_user(request.user).first()
    if mno is None:
        return render(request, "mno/commercial/no_network.html")
    return redirect("networks:detail", pk=mno.pk)
