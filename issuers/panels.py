"""Commercial dashboard panels: the approvals waiting for account managers, a bank's
networks, an MNO's capacity."""

from typing import Any

from django.db.models import Min
from django.http import HttpRequest

from enstream.accounts.roles import Perm
from enstream.portal.dashboard import dashboard_panel
from enstream.portal.navigation import ENSTREAM, ISSUER, MNO
from issuers.models import Allocation, AllocationStatus, LineStatus, NetworkLine
from mno.models import MNO as Network
from mno.selectors import mno_capacity_used


@dashboard_panel(
    title="SE space approvals",
    template="issuers/panels/approvals.html",
    org_kinds=ENSTREAM,
    perm=Perm.ALLOCATIONS_APPROVE,
    order=20,
)
def approvals_panel(request: HttpRequest) -> dict[str, Any]:
    waiting = Allocation.objects.for_user(request.user).filter(status=AllocationStatus.REQUESTED)
    summary = waiting.aggregate(oldest=Min("requested_at"))
    return {"count": waiting.count(), "oldest": summary["oldest"]}


@dashboard_panel(
    title="Your networks",
    template="issuers/panels/networks.html",
    org_kinds=ISSUER,
    perm=Perm.AGREEMENTS_VIEW,
    order=20,
)
def issuer_networks_panel(request: HttpRequest) -> dict[str, Any]:
    lines = list(
        NetworkLine.objects.for_user(request.user)
        .current()
        .select_related("mno", "agreement")
        .order_by("phase_in_on", "mno__name")
    )
    return {
        "live": [line for line in lines if line.status == LineStatus.LIVE],
        "planned": [line for line in lines if line.status == LineStatus.PLANNED],
    }


@dashboard_panel(
    title="Capacity on your network",
    template="issuers/panels/capacity.html",
    org_kinds=MNO,
    perm=Perm.WHOLESALE_VIEW,
    order=20,
)
def mno_capacity_panel(request: HttpRequest) -> dict[str, Any] | None:
    network = Network.objects.for_user(request.user).first()
    if network is None:
        return None
    return {"capacity": mno_capacity_used(network)}
