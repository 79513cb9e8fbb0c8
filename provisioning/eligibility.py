"""Can this issuer put a card on this subscriber's SIM today, and if not, why not.

The same checks run when a bank asks (`se_eligibility`, the API's eligibility endpoint), when
a credential is requested, and again when its job starts (a queued job may start days later).
"""

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from issuers.models import Allocation, AllocationStatus, Issuer, NetworkLine
from issuers.selectors import agreement_in_force, line_covering, network_line_covering
from mno.errors import RegistryError
from mno.identifiers import normalize_msisdn
from mno.models import MNO, SecureElement
from mno.registry import SeStatus
from provisioning.engine.segments import pseudo_random
from provisioning.errors import ProvisioningError
from provisioning.models import DomainState, IssuerDomain


@dataclass(frozen=True)
class Eligibility:
    msisdn: str
    se: SecureElement | None = None
    network: MNO | None = None
    nfc_capable: bool = False
    gp_version: str = ""
    secure_channel: str = ""
    free_nv_bytes: int = 0
    free_v_bytes: int = 0
    covered_today: bool = False
    # The issuer's SSD already on this SIM, or the allocation a new one would count against.
    domain: IssuerDomain | None = None
    allocation: Allocation | None = None
    ssds_remaining: int | None = None
    reasons: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        return not self.reasons


def allocation_for(
    issuer: Issuer, se: SecureElement, *, line: NetworkLine | None = None
) -> tuple[Allocation | None, str | None]:
    """The allocation a new SSD on `se` would count against, or the reason there is none.
    `line`: the network line covering `se` today, when the caller has just read it."""
    line = line or network_line_covering(issuer, se.mno)
    if line is None:
        return None, None
    approved = Allocation.objects.filter(network_line=line, status=AllocationStatus.APPROVED)
    if se.sandbox:
        # A sandbox SSD takes nothing from the cap (provisioning.events): any approved
        # allocation lends it its quotas, so a bank tests even while its live space is full.
        chosen = approved.order_by("requested_at").first()
        return (chosen, None) if chosen is not None else (None, "allocation_missing")
    with_room = approved.filter(ssds_created__lt=F("approved_cap")).order_by("requested_at")
    chosen = with_room.first()
    if chosen is not None:
        return chosen, None
    return None, "allocation_full" if approved.exists() else "allocation_missing"


def current_domain(issuer: Issuer, se: SecureElement) -> IssuerDomain | None:
    return (
        IssuerDomain.objects.filter(issuer=issuer, se=se)
        .exclude(state=DomainState.DELETED)
        .select_related("allocation")
        .first()
    )


def assess(issuer: Issuer, se: SecureElement) -> Eligibility:
    """Every reason `issuer` cannot provision on `se` today (none: eligible)."""
    reasons: list[str] = []
    if se.status != SeStatus.ACTIVE:
        reasons.append("se_inactive")
    if not se.nfc_capable:
        reasons.append("se_not_nfc")
    if not pseudo_random(se.scp, se.scp_i):
        reasons.append("se_scp_unsupported")
    # The agreement and its line are read once here: a request runs these checks on its
    # critical path (the SE's row lock is held), so each repeated read is paid by every caller.
    today = timezone.localdate()
    agreement = agreement_in_force(issuer, on=today)
    line = None if agreement is None else line_covering(agreement, se.mno, on=today)
    if agreement is None:
        reasons.append("agreement_not_in_force")
    elif line is None:
        reasons.append("network_not_in_agreement")
    covered = line is not None
    domain = current_domain(issuer, se)
    allocation, remaining = None, None
    if domain is None and covered:
        allocation, problem = allocation_for(issuer, se, line=line)
        if problem:
            reasons.append(problem)
        else:
            assert allocation is not None
            remaining = (allocation.approved_cap or 0) - allocation.ssds_created
            if (
                se.free_nv_bytes < allocation.nv_quota_bytes
                or se.free_v_bytes < allocation.v_quota_bytes
            ):
                reasons.append("se_memory_full")
    return Eligibility(
        msisdn=se.msisdn or "",
        se=se,
        network=se.mno,
        nfc_capable=se.nfc_capable,
        gp_version=se.gp_version,
        secure_channel=se.scp_label,
        free_nv_bytes=se.free_nv_bytes,
        free_v_bytes=se.free_v_bytes,
        covered_today=covered,
        domain=domain,
        allocation=allocation if domain is None else domain.allocation,
        ssds_remaining=remaining,
        reasons=tuple(reasons),
    )


def normalise_msisdn(msisdn: str) -> str:
    try:
        return normalize_msisdn(msisdn)
    except RegistryError as exc:
        raise ProvisioningError(exc.code, exc.message, field="msisdn") from exc


def se_for_line(msisdn: str, *, sandbox: bool, lock: bool = False) -> SecureElement | None:
    """The SE that serves the line now (a SIM the network suspended still counts), with its
    network. `lock`: hold the SE's row lock (only the SE's: locking its network's row too
    would queue every request on that network behind one another)."""
    found = SecureElement.objects.filter(msisdn=msisdn, sandbox=sandbox).exclude(
        status=SeStatus.RETIRED
    )
    if lock:
        found = found.select_for_update(of=("self",))
    return found.select_related("mno").first()


def se_eligibility(*, issuer: Issuer, msisdn: str, sandbox: bool = False) -> Eligibility:
    """Network, capabilities, coverage today, allocation room, and reason codes
    (provisioning/diagnostics.py) when the issuer cannot provision on this line."""
    number = normalise_msisdn(msisdn)
    se = se_for_line(number, sandbox=sandbox)
    if se is None:
        return Eligibility(msisdn=number, reasons=("se_unknown",))
    return assess(issuer, se)
