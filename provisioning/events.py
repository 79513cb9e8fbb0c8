"""Where provisioning records what it consumes: SSDs created on and deleted from SIMs.

Called by the job engine in the same transaction as the step that creates or deletes an SSD,
so a fact is counted exactly once however often a task runs. Today each call keeps the
allocation's counters (`issuers.services.allocation_record_usage`: SSDs against the approved
cap, and the bytes their quotas reserve). The billing ledger (issue 7) writes its usage events
here as well, keyed by the job and the domain so that a re-run cannot count twice.

An SSD is counted when the SEM's script that creates it is sent (so two SIMs cannot both take
the last SSD of a cap), and uncounted when it is deleted, or when its creation failed for good
while the card is known not to hold it.
"""

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from billing.ledger import UsageKind
from billing.ledger_services import usage_key, usage_record
from issuers.errors import CommercialError
from issuers.models import NetworkLine
from issuers.services import allocation_record_usage
from mno.models import MNO, SecureElement
from mno.ota.models import ExchangeState, OtaExchange
from provisioning.errors import ProvisioningError
from provisioning.models import IssuerDomain, Job, JobKind

_CODES = {"allocation_not_approved": "allocation_missing"}
# What a successful job bills in the usage ledger (docs/billing.md); SSD jobs bill through
# ssd_created / ssd_deleted, and every answered OTA round trip through ota_round_trip.
_JOB_USAGE = {
    JobKind.PROVISION: UsageKind.CREDENTIAL_PROVISIONED,
    JobKind.SUSPEND: UsageKind.LIFECYCLE_OPERATION,
    JobKind.RESUME: UsageKind.LIFECYCLE_OPERATION,
    JobKind.DELETE: UsageKind.LIFECYCLE_OPERATION,
    JobKind.MIGRATE: UsageKind.LIFECYCLE_OPERATION,
    JobKind.KEY_ROTATE: UsageKind.KEY_ROTATION,
}


def _bytes(domain: IssuerDomain) -> int:
    return domain.nv_quota + domain.v_quota


def ssd_created(*, domain: IssuerDomain, job: Job | None) -> None:
    """Count the domain's SSD against its allocation and the SE's free memory;
    ProvisioningError when the allocation is full. A sandbox SIM's SSD takes nothing from
    the live allocation: a bank integrating in the sandbox keeps its SE space."""
    if domain.usage_recorded:
        return
    if not domain.se.sandbox:
        try:
            allocation_record_usage(
                allocation_id=domain.allocation_id, ssds_delta=1, bytes_delta=_bytes(domain)
            )
        except CommercialError as exc:
            raise ProvisioningError(_CODES.get(exc.code, exc.code), exc.message) from exc
    _reserve_memory(domain, sign=-1)
    IssuerDomain.objects.filter(pk=domain.pk).update(usage_recorded=True)
    domain.usage_recorded = True
    _ssd_usage(domain, job, UsageKind.SSD_CREATED)


def ssd_deleted(*, domain: IssuerDomain, job: Job | None) -> None:
    """The domain's SSD is gone from the card (or never got there): give its place back."""
    if not domain.usage_recorded:
        return
    if not domain.se.sandbox:
        allocation_record_usage(
            allocation_id=domain.allocation_id, ssds_delta=-1, bytes_delta=-_bytes(domain)
        )
    _reserve_memory(domain, sign=1)
    IssuerDomain.objects.filter(pk=domain.pk).update(usage_recorded=False)
    domain.usage_recorded = False
    _ssd_usage(domain, job, UsageKind.SSD_DELETED)


def _reserve_memory(domain: IssuerDomain, *, sign: int) -> None:
    """Keep the registry's free memory in step with the SSDs EnStream puts on the SE, so that
    eligibility answers `se_memory_full` before a script would meet 6A84 on the card."""
    nv, volatile = sign * domain.nv_quota, sign * domain.v_quota
    SecureElement.objects.filter(pk=domain.se_id).update(
        free_nv_bytes=Greatest(F("free_nv_bytes") + nv, 0),
        free_v_bytes=Greatest(F("free_v_bytes") + volatile, 0),
    )
    se = domain.se
    se.free_nv_bytes = max(se.free_nv_bytes + nv, 0)
    se.free_v_bytes = max(se.free_v_bytes + volatile, 0)


def _ssd_usage(domain: IssuerDomain, job: Job | None, kind: str) -> None:
    """The ledger's side of an SSD counted or uncounted, on the network whose allocation it
    takes. Keyed by the job (or, for a SIM move, the domain and allocation), so a re-run
    records nothing; sandbox SIMs are never billed."""
    if domain.se.sandbox:
        return
    key = (
        usage_key(job.pk, f"{kind}:{domain.pk}")
        if job is not None
        else f"domain:{domain.pk}:{kind}:{domain.allocation_id}"
    )
    # The allocation's network, which is the SE's unless the SIM has since been ported.
    mno_id = NetworkLine.objects.filter(pk=domain.allocation.network_line_id).values_list(
        "mno_id", flat=True
    )[0]
    usage_record(
        idempotency_key=key,
        issuer=domain.issuer,
        mno=domain.se.mno if domain.se.mno_id == mno_id else MNO.objects.get(pk=mno_id),
        kind=kind,
        occurred_at=timezone.now(),
        se=domain.se,
    )


def job_succeeded(*, job: Job) -> None:
    """Bill what the job did for the issuer (a credential provisioned, a lifecycle operation,
    a key rotation), in the transaction that marks it succeeded."""
    kind = _JOB_USAGE.get(job.kind)
    if kind is None or job.sandbox:
        return
    usage_record(
        idempotency_key=usage_key(job.pk, "succeeded"),
        issuer=job.issuer,
        mno=job.mno,
        kind=kind,
        occurred_at=timezone.now(),
        se=job.se,
    )


def ota_round_trip(*, job: Job, exchange: OtaExchange) -> None:
    """One script delivered and answered (or failed) over the MNO's OTA channel: what EnStream
    pays the network for. A lost script reached no SIM and costs nothing."""
    if job.sandbox or exchange.state == ExchangeState.LOST:
        return
    usage_record(
        idempotency_key=usage_key(job.pk, f"ota:{job.seq}"),
        issuer=job.issuer,
        mno=job.mno,
        kind=UsageKind.OTA_OPERATION,
        occurred_at=exchange.delivered_at or timezone.now(),
        se=job.se,
    )
