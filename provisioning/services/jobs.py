"""Jobs as operations see them: created by the credential services, retried or cancelled from
the diagnostics page. The engine (provisioning/engine) runs them."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.accounts.models import User
from enstream.accounts.roles import OrgKind, Perm, has_perm
from enstream.audit.services import audit_record
from issuers.models import Issuer
from mno.models import SecureElement
from mno.ota.models import OtaExchange
from mno.ota.services import ota_abandon
from provisioning import notify
from provisioning.engine.context import JobContext
from provisioning.engine.lease import activate_next, enqueue, se_turn_lock
from provisioning.engine.view import CardView, Outcome
from provisioning.errors import ProvisioningError
from provisioning.flows import FLOWS
from provisioning.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    Credential,
    CredentialState,
    IssuerDomain,
    Job,
    JobKind,
    JobState,
)


def acting_user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def require(actor: Any, perm: Perm, *, issuer: Issuer | None = None) -> None:
    """A person must hold `perm`; anyone (a person or an API key) acting for an issuer must
    belong to it, or to EnStream. No actor: the system itself (tasks, moves)."""
    if actor is None:
        return
    if isinstance(actor, User) and not has_perm(actor, perm):
        raise ProvisioningError("permission_denied", "Your role may not do this.", status=403)
    organisation = getattr(actor, "organisation", None)
    if (
        issuer is not None
        and organisation is not None
        and organisation.kind != OrgKind.ENSTREAM
        and organisation.pk != issuer.organisation_id
    ):
        raise ProvisioningError("not_found", "Not found.", status=404)


def job_create(
    *,
    kind: str,
    se: SecureElement,
    issuer: Issuer,
    credential: Credential | None = None,
    domain: IssuerDomain | None = None,
    actor: Any = None,
    cause: str = "",
    context: dict[str, Any] | None = None,
) -> Job:
    """Queue a job; it starts at once if its SE is free, else when the SE's active job ends.

    Under the SE's turn lock, a job for a free SE is written ready (three statements: the
    lock, a look at the SE's open jobs, the insert); behind others it queues, first come
    first served."""
    se_turn_lock(se.pk)
    open_states = set(
        Job.objects.filter(se_id=se.pk, state__in=OPEN_STATES)
        .values_list("state", flat=True)
        .distinct()
    )
    now = timezone.now()
    starts = not open_states
    job = Job.objects.create(
        kind=kind,
        se=se,
        mno_id=se.mno_id,
        issuer=issuer,
        credential=credential,
        domain=domain,
        sandbox=se.sandbox,
        cause=cause,
        context=context or {},
        created_by=acting_user(actor),
        state=JobState.READY if starts else JobState.QUEUED,
        started_at=now if starts else None,
        enqueued_at=now if starts else None,
    )
    if starts:
        enqueue(job.pk)
    elif not open_states & set(ACTIVE_STATES):
        # Only queued jobs and none active: their turn was lost (see the re-drive); the
        # oldest, not this one, goes first.
        activate_next(se.pk)
        job.refresh_from_db(fields=["state", "started_at", "enqueued_at"])
    return job


def _lock(job: Job) -> Job:
    return (
        Job.objects.select_for_update(of=("self",))
        .select_related("se__mno", "issuer__organisation", "credential__card_data", "domain")
        .get(pk=job.pk)
    )


@transaction.atomic
def job_retry(*, job: Job, actor: Any) -> Job:
    """Run an active job's next attempt now, or reopen a failed or cancelled one.

    A reopened job first re-reads the card (its last script's effect may be unknown). A failed
    provisioning cannot be reopened: its card data was purged when it failed.
    """
    require(actor, Perm.JOBS_OPERATE, issuer=job.issuer)
    job = _lock(job)
    now = timezone.now()
    if job.lease_expires_at is not None and job.lease_expires_at > now:
        raise ProvisioningError("job_busy", "A worker is on this job right now.", status=409)
    if job.state in ACTIVE_STATES:
        # Waiting on a backoff or an answer: treat the wait as over; the engine reconciles.
        Job.objects.filter(pk=job.pk).update(
            next_attempt_at=now if job.state == JobState.RETRY_WAIT else job.next_attempt_at,
            reply_deadline=now if job.state == JobState.AWAITING_REPLY else job.reply_deadline,
            enqueued_at=now,
            updated_at=now,
        )
        enqueue(job.pk)
    elif job.state in (JobState.FAILED, JobState.CANCELLED):
        _reopen(job, now)
    elif job.state == JobState.SUCCEEDED:
        raise ProvisioningError("job_not_retryable", "This job succeeded.", status=409)
    audit_record(action="job.retry", obj=job, actor=actor, changes={"state": job.state})
    job.refresh_from_db()
    return job


def _reopen(job: Job, now: Any) -> None:
    credential = job.credential
    secret = credential.card_data if credential is not None else None
    if job.kind == JobKind.PROVISION and (secret is None or secret.is_destroyed):
        raise ProvisioningError(
            "card_data_purged",
            "The card data was purged when this provisioning ended; the issuer must submit "
            "the card again.",
            status=409,
        )
    if credential is not None and credential.jobs.open().exclude(pk=job.pk).exists():
        raise ProvisioningError("credential_busy", "Another job is open on this credential.")
    context = dict(job.context)
    context["view"] = CardView(known=False).to_json()
    context["seq_base"] = job.seq
    context.pop("step", None)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.QUEUED,
        attempt=0,
        context=context,
        failure_code="",
        failure_message="",
        finished_at=None,
        left_in_doubt=False,
        updated_at=now,
    )
    if credential is not None and credential.state == CredentialState.FAILED:
        credential.state, credential.reason_code, credential.reason = (
            CredentialState.REQUESTED,
            "",
            "",
        )
        credential.updated_at = now
        credential.save(update_fields=["state", "reason_code", "reason", "updated_at"])
    activate_next(job.se_id)


@transaction.atomic
def job_cancel(*, job: Job, actor: Any) -> Job:
    """Stop an open job. A script in flight is abandoned, so a late delivery never runs."""
    require(actor, Perm.JOBS_OPERATE, issuer=job.issuer)
    job = _lock(job)
    if job.state not in OPEN_STATES:
        raise ProvisioningError("job_closed", "This job has already ended.", status=409)
    now = timezone.now()
    if job.lease_expires_at is not None and job.lease_expires_at > now:
        raise ProvisioningError("job_busy", "A worker is on this job right now.", status=409)
    job_end_cancelled(job)
    audit_record(action="job.cancel", obj=job, actor=actor, changes={"state": job.state})
    return job


def job_end_cancelled(job: Job, *, code: str = "cancelled", message: str = "") -> None:
    """End an open job (locked by the caller): the flow's failure effects, then the SE's next."""
    in_doubt = False
    if job.state == JobState.AWAITING_REPLY and job.exchange_id is not None:
        exchange = OtaExchange.objects.get(pk=job.exchange_id)
        in_doubt = not ota_abandon(exchange=exchange, error_code="cancelled")
    view = CardView.from_json(job.context.get("view"))
    if in_doubt:
        view.known = False
    outcome = Outcome("fail", code, message or "Cancelled by EnStream operations.")
    FLOWS[job.kind].failed(JobContext(job), view, outcome)
    now = timezone.now()
    se_turn_lock(job.se_id)
    # A new fencing token: a task still holding the old one can no longer write.
    Job.objects.filter(pk=job.pk).update(
        state=JobState.CANCELLED,
        lease_token=job.lease_token + 1,
        lease_expires_at=None,
        failure_code=code,
        failure_message=outcome.message[:500],
        finished_at=now,
        left_in_doubt=in_doubt or (job.seq > 0 and not view.known),
        updated_at=now,
    )
    job.state, job.failure_code, job.failure_message = JobState.CANCELLED, code, outcome.message
    notify.job_failed(job)
    activate_next(job.se_id)
