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

from issuers.errors import CommercialError
from issuers.services import allocation_record_usage
from provisioning.errors import ProvisioningError
from provisioning.models import IssuerDomain, Job

_CODES = {"allocation_not_approved": "allocation_missing"}


def _bytes(domain: IssuerDomain) -> int:
    return domain.nv_quota + domain.v_quota


def ssd_created(*, domain: IssuerDomain, job: Job | None) -> None:
    """Count the domain's SSD against its allocation; ProvisioningError when it is full."""
    if domain.usage_recorded:
        return
    try:
        allocation_record_usage(
            allocation_id=domain.allocation_id, ssds_delta=1, bytes_delta=_bytes(domain)
        )
    except CommercialError as exc:
        raise ProvisioningError(_CODES.get(exc.code, exc.code), exc.message) from exc
    IssuerDomain.objects.filter(pk=domain.pk).update(usage_recorded=True)
    domain.usage_recorded = True


def ssd_deleted(*, domain: IssuerDomain, job: Job | None) -> None:
    """The domain's SSD is gone from the card (or never got there): give its place back."""
    if not domain.usage_recorded:
        return
    allocation_record_usage(
        allocation_id=domain.allocation_id, ssds_delta=-1, bytes_delta=-_bytes(domain)
    )
    IssuerDomain.objects.filter(pk=domain.pk).update(usage_recorded=False)
    domain.usage_recorded = False
