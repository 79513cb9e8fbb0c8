"""Who may work on a job right now, and whose turn it is on an SE.

A task claims a job with a compare-and-set on its fencing counter (`lease_token`); every write
it makes afterwards names the token it got, so a task that stalled past its lease (and was
overtaken by another) can change nothing. One job per SE is active at a time (a partial unique
index): the others wait QUEUED and the next starts when the active one ends.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from provisioning import conf
from provisioning.models import ACTIVE_STATES, Job, JobState


class LeaseLost(Exception):
    """Another task took the job over: roll back whatever this one was about to write."""


@dataclass
class Lease:
    job_id: Any
    token: int
    # The fenced write that ended it (the job's own row says so): nothing left to release.
    ended: bool = False


def lease_claim(job_id: Any) -> Lease | None:
    """The job's lease if it is active and nobody holds it, else None."""
    now = timezone.now()
    row = (
        Job.objects.filter(pk=job_id)
        .values_list("lease_token", "lease_expires_at", "state")
        .first()
    )
    if row is None:
        return None
    token, expires, state = row
    if state not in ACTIVE_STATES or (expires is not None and expires > now):
        return None
    claimed = Job.objects.filter(pk=job_id, lease_token=token).update(
        lease_token=token + 1,
        lease_expires_at=now + timedelta(seconds=conf.number("PROVISIONING_LEASE_SECONDS")),
    )
    return Lease(job_id, token + 1) if claimed == 1 else None


def fenced_update(lease: Lease, **fields: Any) -> None:
    """Write the job only if this lease is still the job's; the lease ends with the write."""
    fields.setdefault("lease_expires_at", None)
    fields.setdefault("updated_at", timezone.now())
    if Job.objects.filter(pk=lease.job_id, lease_token=lease.token).update(**fields) != 1:
        raise LeaseLost(f"job {lease.job_id}: lease {lease.token} was taken over")
    lease.ended = fields["lease_expires_at"] is None


def lease_release(lease: Lease, *, committed: bool) -> None:
    """Give the job back. A task whose transaction committed a fenced write has already."""
    if committed and lease.ended:
        return
    Job.objects.filter(pk=lease.job_id, lease_token=lease.token).update(lease_expires_at=None)


def enqueue(job_id: Any, *, countdown: float = 0) -> None:
    """Send the job's `advance` task once the current transaction commits (never before: the
    worker must find what this transaction wrote)."""
    from provisioning.tasks import advance

    ident = str(job_id)
    if countdown > 0:
        transaction.on_commit(lambda: advance.apply_async(args=[ident], countdown=countdown))
    else:
        transaction.on_commit(lambda: advance.delay(ident))


def activate_next(se_id: Any) -> Job | None:
    """Start the oldest queued job of the SE if none is active there; it runs after commit."""
    candidate = (
        Job.objects.filter(se_id=se_id, state=JobState.QUEUED).order_by("created_at").first()
    )
    if candidate is None:
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            started = Job.objects.filter(pk=candidate.pk, state=JobState.QUEUED).update(
                state=JobState.READY, started_at=now, enqueued_at=now, updated_at=now
            )
    except IntegrityError:
        return None  # another job is active on this SE: this one starts when that one ends
    if not started:
        return None
    enqueue(candidate.pk)
    return candidate
