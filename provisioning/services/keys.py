"""Key rotation of an issuer's SSDs: one key_rotate job per SIM that holds one."""

from typing import Any

from django.db import transaction

from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.models import Issuer
from mno.models import MNO
from provisioning.models import OPEN_STATES, DomainState, IssuerDomain, Job, JobKind
from provisioning.services.jobs import job_create, require


@transaction.atomic
def issuer_keys_rotate(*, issuer: Issuer, actor: Any, mno: MNO | None = None) -> list[Job]:
    """Queue a PUT KEY of fresh keys on each of the issuer's active SSDs (on one network, or
    all). An SSD that already has a rotation open is skipped."""
    require(actor, Perm.CREDENTIALS_LIFECYCLE, issuer=issuer)
    domains = IssuerDomain.objects.filter(issuer=issuer, state=DomainState.ACTIVE).select_related(
        "se__mno"
    )
    if mno is not None:
        domains = domains.filter(se__mno=mno)
    busy = set(
        Job.objects.filter(
            domain__in=domains, kind=JobKind.KEY_ROTATE, state__in=OPEN_STATES
        ).values_list("domain_id", flat=True)
    )
    jobs = [
        job_create(kind=JobKind.KEY_ROTATE, se=d.se, issuer=issuer, domain=d, actor=actor)
        for d in domains
        if d.pk not in busy
    ]
    audit_record(
        action="issuer.keys_rotate",
        obj=issuer,
        actor=actor,
        changes={"jobs": len(jobs), "network": mno.short_code if mno else "all"},
    )
    return jobs
