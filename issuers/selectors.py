"""Reads about agreements, coverage and SE space that pages, the API and provisioning share."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from issuers import transitions
from issuers.models import (
    Allocation,
    AllocationStatus,
    Issuer,
    NetworkLine,
    ResaleAgreement,
)
from mno.models import MNO


def agreement_in_force(issuer: Issuer, *, on: date | None = None) -> ResaleAgreement | None:
    """The issuer's resale agreement in force on `on` (default today), if any: activated,
    and `on` within its term (cut short by an early end)."""
    return issuer.agreements.in_force(on or timezone.localdate()).first()


def network_line_covering(
    issuer: Issuer, mno: MNO, *, on: date | None = None
) -> NetworkLine | None:
    """The line that lets `issuer` use `mno`'s network on `on`: its agreement is in force and
    the line was live that day."""
    on = on or timezone.localdate()
    agreement = agreement_in_force(issuer, on=on)
    return None if agreement is None else line_covering(agreement, mno, on=on)


def line_covering(agreement: ResaleAgreement, mno: MNO, *, on: date) -> NetworkLine | None:
    """The line of `agreement` (already known to be in force on `on`) live on `mno` that day."""
    for line in agreement.lines.filter(mno=mno, live_from__isnull=False):
        if line.covers(on):
            return line
    return None


def network_covered(issuer: Issuer, mno: MNO, *, on: date | None = None) -> bool:
    return network_line_covering(issuer, mno, on=on) is not None


@dataclass(frozen=True)
class AllocationUsage:
    """SSDs created against an allocation's cap and the bytes they use: shown to the issuer,
    to EnStream and (aggregated by mno.selectors) to the MNO. No price."""

    cap: int
    ssds_created: int
    bytes_reserved: int
    bytes_used: int

    @property
    def ssds_remaining(self) -> int:
        return max(self.cap - self.ssds_created, 0)

    @property
    def percent_used(self) -> int:
        return round(100 * self.ssds_created / self.cap) if self.cap else 0


def allocation_usage(allocation: Allocation) -> AllocationUsage:
    cap = allocation.approved_cap if allocation.status == AllocationStatus.APPROVED else 0
    return AllocationUsage(
        cap=cap or 0,
        ssds_created=allocation.ssds_created,
        bytes_reserved=(cap or 0) * allocation.bytes_per_ssd,
        bytes_used=allocation.bytes_used,
    )


@dataclass(frozen=True)
class LineUsage:
    line: NetworkLine
    approved_ssds: int
    ssds_created: int
    bytes_used: int
    pending_requests: int


def issuer_network_usage(agreement: ResaleAgreement) -> list[LineUsage]:
    """Per network line of an agreement: the approved caps and what is in use (one query)."""
    approved = Q(allocations__status=AllocationStatus.APPROVED)
    lines = agreement.lines.select_related("mno").annotate(
        approved_ssds=Coalesce(Sum("allocations__approved_cap", filter=approved), 0),
        ssds_created_total=Coalesce(Sum("allocations__ssds_created"), 0),
        bytes_used_total=Coalesce(Sum("allocations__bytes_used"), 0),
        pending=Count("allocations", filter=Q(allocations__status=AllocationStatus.REQUESTED)),
    )
    return [
        LineUsage(
            line=line,
            approved_ssds=line.approved_ssds,
            ssds_created=line.ssds_created_total,
            bytes_used=line.bytes_used_total,
            pending_requests=line.pending,
        )
        for line in lines
    ]


_MACHINES = {
    Issuer: transitions.ISSUER,
    ResaleAgreement: transitions.AGREEMENT,
    NetworkLine: transitions.NETWORK_LINE,
    Allocation: transitions.ALLOCATION,
}


def transitions_available(obj: Any, user: Any) -> list[transitions.Target]:
    """The status moves `user` may make on an issuer, agreement, line or allocation now
    (the services may still refuse one for a business reason, with a message)."""
    return _MACHINES[type(obj)].targets(obj.status, user)
