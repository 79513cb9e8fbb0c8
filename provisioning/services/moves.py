"""A subscriber's line moved (mno.se_services tells by task): SIM swap or port.

To a new SIM (a swap, or a port with a new SIM): the credentials on the old SIM are void (it
is retired, out of reach), their SSDs given back to the allocations, and where the issuer may
provision on the new SIM a replacement is prepared there by a `migrate` job: SSD, key
handover, applet instance. Its card data was purged after the first personalisation, so the
issuer supplies it again (`credential_card_data_supply`) and one round trip finishes it.

A port that keeps the SIM: if the issuer's agreement covers the new network, nothing changes
on the card and the SSD counts against the allocation on the new network; if not, the
credentials are suspended (locked over the new network) with the reason.
"""

from django.db import transaction
from django.utils import timezone

from enstream.webhooks.models import EventType
from mno.custody import sd_keysets_destroy
from mno.registry import MoveKind, SubscriberMove
from provisioning import events, notify
from provisioning.eligibility import allocation_for, assess
from provisioning.errors import ProvisioningError
from provisioning.models import (
    Credential,
    CredentialState,
    DomainState,
    IssuerDomain,
    Job,
    JobKind,
)
from provisioning.profiles import PROFILES
from provisioning.services.credentials import credential_suspend, new_credential
from provisioning.services.jobs import job_create, job_end_cancelled

_MOVING = (
    CredentialState.REQUESTED,
    CredentialState.PROVISIONING,
    CredentialState.ACTIVE,
    CredentialState.SUSPENDED,
)


def _end_open_jobs(credential: Credential, cause: str) -> None:
    for job in Job.objects.select_for_update().filter(credential=credential).open():
        job_end_cancelled(job, code=cause, message="The line moved to another SIM or network.")
    credential.refresh_from_db()


def _void(credential: Credential, *, state: str, code: str, reason: str) -> None:
    secret = credential.card_data
    if secret is not None and not secret.is_destroyed:
        secret.destroy()
    now = timezone.now()
    stamp = "deleted_at" if state == CredentialState.DELETED else "suspended_at"
    setattr(credential, stamp, now)
    credential.state, credential.reason_code, credential.reason = state, code, reason[:300]
    credential.updated_at = now
    credential.save(update_fields=["state", "reason_code", "reason", stamp, "updated_at"])


def _to_new_sim(credential: Credential, move: SubscriberMove, cause: str) -> Job | None:
    _end_open_jobs(credential, cause)
    if credential.state == CredentialState.FAILED:
        return None  # it was still being provisioned: the failure webhook told the issuer
    new_se = move.to_se
    eligibility = assess(credential.issuer, new_se)
    if cause == "port" and not eligibility.covered_today:
        _void(
            credential,
            state=CredentialState.SUSPENDED,
            code="network_not_in_agreement",
            reason=f"The line moved to {move.to_mno}, which the agreement does not cover.",
        )
        notify.credential_event(
            credential, EventType.CREDENTIAL_SUSPENDED, code="network_not_in_agreement"
        )
        return None
    _void(credential, state=CredentialState.DELETED, code=cause, reason="The line moved.")
    if not eligibility.eligible:
        notify.credential_event(
            credential,
            EventType.CREDENTIAL_DELETED,
            code=cause,
            replacement=None,
            replacement_refused=list(eligibility.reasons),
        )
        return None
    replacement, domain = new_credential(
        issuer=credential.issuer,
        se=new_se,
        profile=PROFILES[credential.applet_profile],
        msisdn=move.msisdn,
        last4=credential.pan_last4,
        hashed=credential.pan_hash,
        expiry=(credential.expiry_month, credential.expiry_year),
        token_reference=credential.token_reference,
        actor=None,
        replaces=credential,
    )
    job = job_create(
        kind=JobKind.MIGRATE,
        se=new_se,
        issuer=credential.issuer,
        credential=replacement,
        domain=domain,
        cause=cause,
    )
    notify.credential_event(
        credential,
        EventType.CREDENTIAL_DELETED,
        code=cause,
        replacement={
            "id": str(replacement.pk),
            "state": replacement.state,
            "action": "card_data_required",
        },
    )
    return job


def _release_domains(move: SubscriberMove) -> None:
    """The old SIM is retired: the SSDs on it no longer take any allocation's place, and
    custody destroys their keys (nobody is to open them again)."""
    for domain in (
        IssuerDomain.objects.select_for_update()
        .filter(se=move.from_se)
        .exclude(state=DomainState.DELETED)
    ):
        events.ssd_deleted(domain=domain, job=None)
        sd_keysets_destroy(se=move.from_se, sd_aid=domain.aid)
        domain.state, domain.deleted_at = DomainState.DELETED, timezone.now()
        domain.save(update_fields=["state", "deleted_at"])


def _rehome(domain: IssuerDomain, move: SubscriberMove) -> str | None:
    """Count a ported SIM's SSD against the issuer's allocation on the new network; the reason
    code when there is none with room."""
    if domain.allocation.network_line.mno_id == move.to_mno_id:
        return None
    allocation, problem = allocation_for(domain.issuer, domain.se)
    if allocation is None:
        return problem or "network_not_in_agreement"
    events.ssd_deleted(domain=domain, job=None)
    domain.allocation = allocation
    domain.save(update_fields=["allocation"])
    try:
        events.ssd_created(domain=domain, job=None)
    except ProvisioningError as exc:
        return exc.code
    return None


def _ported_in_place(credentials: list[Credential], move: SubscriberMove) -> list[Job]:
    jobs, verdicts = [], {}
    for credential in credentials:
        domain = credential.domain
        if domain is not None and domain.pk not in verdicts:
            covered = assess(credential.issuer, credential.se).covered_today
            verdicts[domain.pk] = _rehome(domain, move) if covered else "network_not_in_agreement"
        code = verdicts.get(domain.pk) if domain is not None else None
        idle = not credential.jobs.open().exists()
        if code and credential.state == CredentialState.ACTIVE and idle:
            jobs.append(
                credential_suspend(
                    credential=credential,
                    actor=None,
                    cause=code,
                    reason=f"The line moved to {move.to_mno}: {code.replace('_', ' ')}.",
                )
            )
    return jobs


@transaction.atomic
def subscriber_moved(*, move_id: int) -> list[Job]:
    """Re-provision or suspend the moved line's credentials; safe to run twice (a voided
    credential is not moved again, an SSD is released and re-homed once)."""
    move = SubscriberMove.objects.select_related("from_se__mno", "to_se__mno", "to_mno").get(
        pk=move_id
    )
    credentials = list(
        Credential.objects.select_for_update(of=("self",))
        .filter(se=move.from_se, state__in=_MOVING)
        .select_related(
            "issuer__organisation", "se__mno", "domain__allocation__network_line", "card_data"
        )
        .order_by("requested_at")
    )
    if move.from_se_id == move.to_se_id:
        return _ported_in_place(credentials, move)
    cause = "sim_swap" if move.kind == MoveKind.SIM_SWAP else "port"
    jobs = [job for c in credentials if (job := _to_new_sim(c, move, cause)) is not None]
    _release_domains(move)
    return jobs
