"""Reads about a network's capacity: what EnStream bought, sold and what is in use.

Everything here is safe to show to the MNO's own staff: counts and bytes, never a resale
price (a wholesale price is the MNO's own and lives on its WholesaleAgreement).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import BigIntegerField, Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from issuers.models import Allocation, AllocationStatus
from mno.models import MNO, WholesaleAgreement


@dataclass(frozen=True)
class CapacityUsage:
    """SSDs and bytes of one network: bought (wholesale capacity), sold (approved caps, plus
    what revoked allocations still occupy), used (SSDs created) and pending (requested)."""

    mno: MNO
    agreement: WholesaleAgreement | None
    capacity_ssds: int
    capacity_bytes: int
    sold_ssds: int
    sold_bytes: int
    used_ssds: int
    used_bytes: int
    pending_ssds: int

    @property
    def unsold_ssds(self) -> int:
        return self.capacity_ssds - self.sold_ssds

    @property
    def unsold_bytes(self) -> int:
        return self.capacity_bytes - self.sold_bytes


@dataclass(frozen=True)
class IssuerNetworkUsage:
    issuer_id: int
    issuer_name: str
    allocations: int
    approved_ssds: int
    ssds_created: int
    bytes_used: int
    pending_requests: int


def wholesale_agreement_in_force(mno: MNO, *, on: date | None = None) -> WholesaleAgreement | None:
    return mno.wholesale_agreements.in_force(on or timezone.localdate()).first()


_SOLD_SSDS = Case(
    When(status=AllocationStatus.APPROVED, then=F("approved_cap")),
    When(status=AllocationStatus.REVOKED, then=F("ssds_created")),
    default=Value(0),
    output_field=BigIntegerField(),
)
# Cast first: cap x quota overflows a 32-bit integer long before it overflows the capacity.
_SOLD_BYTES = Case(
    When(
        status=AllocationStatus.APPROVED,
        then=Cast("approved_cap", BigIntegerField())
        * (Cast("nv_quota_bytes", BigIntegerField()) + F("v_quota_bytes")),
    ),
    When(status=AllocationStatus.REVOKED, then=F("bytes_used")),
    default=Value(0),
    output_field=BigIntegerField(),
)
_REQUESTED = Q(status=AllocationStatus.REQUESTED)


def mno_capacity_used(mno: MNO, *, on: date | None = None) -> CapacityUsage:
    """Capacity of the wholesale agreement in force `on` (default today) against everything
    sold on the network. With no agreement in force the capacity is 0."""
    agreement = wholesale_agreement_in_force(mno, on=on)
    totals = Allocation.objects.filter(network_line__mno=mno).aggregate(
        sold_ssds=Coalesce(Sum(_SOLD_SSDS), 0),
        sold_bytes=Coalesce(Sum(_SOLD_BYTES), 0),
        used_ssds=Coalesce(Sum("ssds_created"), 0),
        used_bytes=Coalesce(Sum("bytes_used"), 0),
        pending_ssds=Coalesce(Sum("expected_ssds", filter=_REQUESTED), 0),
    )
    return CapacityUsage(
        mno=mno,
        agreement=agreement,
        capacity_ssds=agreement.capacity_ssds if agreement else 0,
        capacity_bytes=agreement.capacity_bytes if agreement else 0,
        **totals,
    )


def mno_issuer_usage(mno: MNO) -> list[IssuerNetworkUsage]:
    """Per issuer on the network: SSD counts and bytes, without any price."""
    issuer = "network_line__agreement__issuer"
    rows = (
        Allocation.objects.filter(network_line__mno=mno)
        .values(f"{issuer}__id", f"{issuer}__legal_name")
        .annotate(
            allocations=Count("id"),
            approved_ssds=Coalesce(
                Sum("approved_cap", filter=Q(status=AllocationStatus.APPROVED)), 0
            ),
            ssds_created_total=Coalesce(Sum("ssds_created"), 0),
            bytes_used_total=Coalesce(Sum("bytes_used"), 0),
            pending_requests=Count("id", filter=_REQUESTED),
        )
        .order_by(f"{issuer}__legal_name")
    )
    return [
        IssuerNetworkUsage(
            issuer_id=row[f"{issuer}__id"],
            issuer_name=row[f"{issuer}__legal_name"],
            allocations=row["allocations"],
            approved_ssds=row["approved_ssds"],
            ssds_created=row["ssds_created_total"],
            bytes_used=row["bytes_used_total"],
            pending_requests=row["pending_requests"],
        )
        for row in rows
    ]
