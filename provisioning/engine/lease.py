"""Who may work on a job right now, and whose turn it is on an SE.

A task claims a job with a compare-and-set on its fencing counter (`lease_token`); every write
it makes afterwards names the token it got, so a task that stalled past its lease (and was
overtaken by another) can change nothing. One job per SE is active at a time (a partial unique
index): the others wait QUEUED and the next starts when the active one ends.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
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
    """The job's lease if it is active and nobody holds it, else None.

    One statement: the compare-and-set and the new fencing token come back together, so two
    claimers can never both get it and a claim costs one round trip.
    """
    now = timezone.now()
    table = Job._meta.db_table
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET lease_token = lease_token + 1, lease_expires_at = %s "  # noqa: S608
            f"WHERE id = %s AND state IN ({', '.join(['%s'] * len(ACTIVE_STATES))}) "
            "AND (lease_expires_at IS NULL OR lease_expires_at <= %s) RETURNING lease_token",
            [
                ops.adapt_datetimefield_value(
                    now + timedelta(seconds=conf.number("PROVISIONING_LEASE_SECONDS"))
                ),
                Job._meta.pk.get_db_prep_value(job_id, connection),
                *(str(state) for state in ACTIVE_STATES),
                ops.adapt_datetimefield_value(now),
            ],
        )
        row = cursor.fetchone()
    return Lease(job_id, row[0]) if row is not None else None


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


# pg_advisory_xact_lock's first key: "whose turn on an SE" (the second is the SE's id).
_TURN_LOCK_CLASS = 7_302


def se_turn_lock(se_id: int) -> None:
    """Hold the SE's turn until the transaction ends. Whoever ends an SE's active job or starts
    its next takes it first: otherwise two transactions (one ending a job and starting the
    next, one queueing a new job) can each wait on the other's row in the one-active-job
    index, and PostgreSQL aborts one of them. SQLite has a single writer already."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_TURN_LOCK_CLASS, int(se_id) & 0x7FFFFFFF]
        )


def activate_next(se_id: Any) -> Job | None:
    """Start the oldest queued job of the SE if none is active there; it runs after commit."""
    se_turn_lock(se_id)
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
