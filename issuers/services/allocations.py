"""SE space: requests, decisions and the usage counters provisioning keeps."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers import transitions
from issuers.errors import CommercialError, not_found
from issuers.models import (
    AgreementStatus,
    Allocation,
    AllocationStatus,
    IssuerStatus,
    LineStatus,
    NetworkLine,
    SsdPrivilege,
)
from issuers.transitions import require, save_as
from mno.models import MNO
from mno.selectors import mno_capacity_used, wholesale_agreement_in_force

_INT_MAX = 2**31 - 1


def _whole(value: Any, field: str, *, minimum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CommercialError(
            "invalid_quota" if "quota" in field else "invalid_quantity",
            f"{what} must be a whole number of at least {minimum}.",
            field=field,
        )
    if value > _INT_MAX:
        raise CommercialError("too_large", f"{what} is too large.", field=field)
    return value


def _clean_privileges(privileges: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(privileges))
    unknown = [p for p in chosen if p not in SsdPrivilege.values]
    if unknown:
        raise CommercialError(
            "unknown_privilege",
            f"An issuer's SSD cannot have: {', '.join(unknown)}.",
            field="privileges",
        )
    if {SsdPrivilege.DELEGATED_MANAGEMENT, SsdPrivilege.AUTHORIZED_MANAGEMENT} <= set(chosen):
        raise CommercialError(
            "privileges_conflict",
            "Delegated and authorized management exclude each other (GlobalPlatform): choose one.",
            field="privileges",
        )
    return [p for p in SsdPrivilege.values if p in chosen]


@transaction.atomic
def allocation_request(
    *,
    network_line: NetworkLine,
    actor: Any,
    nv_quota_bytes: int,
    v_quota_bytes: int,
    expected_ssds: int,
    monthly_forecast: int = 0,
    privileges: Iterable[str] = (),
    note: str = "",
) -> Allocation:
    """Ask for SE space on one network of the issuer's agreement: the SSD template (quotas,
    privileges) and how many SSDs, how fast."""
    require(actor, Perm.ALLOCATIONS_REQUEST, "request SE space")
    line = (
        NetworkLine.objects.for_user(actor)
        .select_related("agreement__issuer", "mno")
        .filter(pk=network_line.pk)
        .first()
    )
    if line is None:
        raise not_found("Network line")
    if line.status == LineStatus.WITHDRAWN:
        raise CommercialError(
            "line_withdrawn", f"{line.mno} has been withdrawn from the agreement.", field="line"
        )
    if line.agreement.status not in (AgreementStatus.SIGNED, AgreementStatus.ACTIVE):
        raise CommercialError(
            "agreement_not_signed",
            f"Agreement {line.agreement.number} is "
            f"{line.agreement.get_status_display().lower()}: space is requested under a signed "
            "agreement.",
            field="line",
        )
    issuer = line.agreement.issuer
    if issuer.status not in (IssuerStatus.ONBOARDING, IssuerStatus.LIVE):
        raise CommercialError(
            "issuer_not_active",
            f"{issuer} is {issuer.get_status_display().lower()}: it cannot request space.",
            field="line",
        )
    allocation = Allocation(
        network_line=line,
        nv_quota_bytes=_whole(
            nv_quota_bytes, "nv_quota_bytes", minimum=1, what="The non-volatile quota"
        ),
        v_quota_bytes=_whole(v_quota_bytes, "v_quota_bytes", minimum=1, what="The volatile quota"),
        expected_ssds=_whole(expected_ssds, "expected_ssds", minimum=1, what="The SSD count"),
        monthly_forecast=_whole(
            monthly_forecast, "monthly_forecast", minimum=0, what="The monthly forecast"
        ),
        privileges=_clean_privileges(privileges),
        note=note.strip(),
        requested_by=actor,
    )
    save_as(allocation, actor)
    audit_record(
        action="allocation.request",
        obj=allocation,
        actor=actor,
        changes={
            "mno": line.mno.short_code,
            "expected_ssds": expected_ssds,
            "nv_quota_bytes": nv_quota_bytes,
            "v_quota_bytes": v_quota_bytes,
        },
    )
    return allocation


def _locked(allocation: Allocation) -> Allocation:
    return (
        Allocation.objects.select_for_update()
        .select_related("network_line__agreement__issuer", "network_line__mno")
        .get(pk=allocation.pk)
    )


def _decide(allocation: Allocation, actor: Any, status: str, reason: str) -> None:
    before = allocation.status
    allocation.status = status
    allocation.decision_reason = reason.strip()
    allocation.decided_by = actor
    allocation.decided_at = timezone.now()
    save_as(allocation, actor, reason=reason)
    changes: dict[str, Any] = {"status": [before, status]}
    if status == AllocationStatus.APPROVED:
        changes["approved_cap"] = allocation.approved_cap
    audit_record(
        action=f"allocation.{status}",
        obj=allocation,
        actor=actor,
        changes=changes,
        detail=reason,
    )


def _ssds(count: int) -> str:
    return f"{count:,} SSD" if count == 1 else f"{count:,} SSDs"


def _check_capacity(allocation: Allocation, cap: int) -> None:
    line = allocation.network_line
    mno = MNO.objects.select_for_update().get(pk=line.mno_id)  # one approval at a time per MNO
    day = max(timezone.localdate(), line.phase_in_on)
    if wholesale_agreement_in_force(mno, on=day) is None:
        raise CommercialError(
            "no_wholesale_agreement",
            f"{mno} has no wholesale agreement in force on {day}: there is no capacity to sell.",
            field="cap",
        )
    usage = mno_capacity_used(mno, on=day)
    over_ssds = usage.sold_ssds + cap - usage.capacity_ssds
    over_bytes = usage.sold_bytes + cap * allocation.bytes_per_ssd - usage.capacity_bytes
    if over_ssds <= 0 and over_bytes <= 0:
        return
    excess = " and ".join(
        part
        for part in (
            _ssds(over_ssds) if over_ssds > 0 else "",
            f"{over_bytes:,} bytes" if over_bytes > 0 else "",
        )
        if part
    )
    raise CommercialError(
        "oversold",
        f"Approving {_ssds(cap)} would oversell {mno}'s wholesale capacity by {excess}: "
        f"{usage.sold_ssds:,} of {usage.capacity_ssds:,} SSDs and {usage.sold_bytes:,} of "
        f"{usage.capacity_bytes:,} bytes are already sold.",
        field="cap",
        details={"over_ssds": max(over_ssds, 0), "over_bytes": max(over_bytes, 0)},
    )


@transaction.atomic
def allocation_approve(
    *, allocation: Allocation, actor: Any, cap: int, note: str = ""
) -> Allocation:
    """requested -> approved with a cap of SSDs, refused if the cap (and the bytes its SSDs
    reserve) would sell more than the MNO's wholesale capacity."""
    allocation = _locked(allocation)
    transitions.ALLOCATION.check(
        current=allocation.status, target=AllocationStatus.APPROVED, actor=actor
    )
    cap = _whole(cap, "cap", minimum=1, what="The cap")
    if allocation.network_line.status == LineStatus.WITHDRAWN:
        raise CommercialError("line_withdrawn", "The network has been withdrawn.", field="cap")
    _check_capacity(allocation, cap)
    allocation.approved_cap = cap
    _decide(allocation, actor, AllocationStatus.APPROVED, note)
    return allocation


@transaction.atomic
def allocation_reject(*, allocation: Allocation, actor: Any, reason: str) -> Allocation:
    allocation = _locked(allocation)
    transitions.ALLOCATION.check(
        current=allocation.status, target=AllocationStatus.REJECTED, actor=actor, reason=reason
    )
    _decide(allocation, actor, AllocationStatus.REJECTED, reason)
    return allocation


@transaction.atomic
def allocation_cancel(*, allocation: Allocation, actor: Any, reason: str = "") -> Allocation:
    """The requester withdraws a request that has not been decided."""
    if not Allocation.objects.for_user(actor).filter(pk=allocation.pk).exists():
        raise not_found("Allocation")
    allocation = _locked(allocation)
    transitions.ALLOCATION.check(
        current=allocation.status, target=AllocationStatus.CANCELLED, actor=actor
    )
    _decide(allocation, actor, AllocationStatus.CANCELLED, reason)
    return allocation


@transaction.atomic
def allocation_revoke(*, allocation: Allocation, actor: Any, reason: str) -> Allocation:
    """approved -> revoked: no new SSDs; those created still occupy (and count against) the
    MNO's capacity until provisioning deletes them."""
    allocation = _locked(allocation)
    transitions.ALLOCATION.check(
        current=allocation.status, target=AllocationStatus.REVOKED, actor=actor, reason=reason
    )
    _decide(allocation, actor, AllocationStatus.REVOKED, reason)
    return allocation


def close_allocations_of_line(line: NetworkLine, actor: Any, *, reason: str) -> None:
    """When a network leaves an agreement: its open requests are cancelled and its approved
    allocations revoked, in the name of whoever withdrew it."""
    closing = {
        AllocationStatus.REQUESTED: AllocationStatus.CANCELLED,
        AllocationStatus.APPROVED: AllocationStatus.REVOKED,
    }
    for allocation in line.allocations.select_for_update().filter(status__in=list(closing)):
        _decide(allocation, actor, closing[allocation.status], reason)


@transaction.atomic
def allocation_record_usage(*, allocation_id: int, ssds_delta: int, bytes_delta: int) -> None:
    """Provisioning's counter: SSDs created (or deleted, negative) and their bytes. A creation
    beyond the approved cap, or on an allocation that is not approved, is refused; deletions
    still count down on a revoked one, whose SSDs hold capacity until they are gone."""
    growing = ssds_delta > 0 or bytes_delta > 0
    statuses = [AllocationStatus.APPROVED] + ([] if growing else [AllocationStatus.REVOKED])
    updated = (
        Allocation.objects.filter(pk=allocation_id, status__in=statuses)
        .filter(
            ssds_created__lte=F("approved_cap") - ssds_delta,
            ssds_created__gte=-ssds_delta,
            bytes_used__gte=-bytes_delta,
        )
        .update(
            ssds_created=F("ssds_created") + ssds_delta,
            bytes_used=F("bytes_used") + bytes_delta,
        )
    )
    if updated == 1:
        return
    allocation = Allocation.objects.filter(pk=allocation_id).first()
    if allocation is None:
        raise not_found("Allocation")
    if allocation.status not in statuses:
        raise CommercialError(
            "allocation_not_approved",
            f"Allocation #{allocation_id} is {allocation.get_status_display().lower()}.",
        )
    raise CommercialError(
        "allocation_full",
        f"Allocation #{allocation_id} has {allocation.ssds_created:,} of "
        f"{allocation.approved_cap:,} SSDs and {allocation.bytes_used:,} bytes in use: "
        f"{ssds_delta:+,} SSDs and {bytes_delta:+,} bytes do not fit.",
        details={"ssds_created": allocation.ssds_created, "cap": allocation.approved_cap},
    )
