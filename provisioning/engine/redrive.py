"""The periodic re-drive: the database is the outbox, the broker only a fast path.

A task can be lost (the broker restarted, a worker was killed holding it, a reply task was
never sent); a job never is. Every period this finds the jobs nobody is working on although
they should move, and sends their task again: READY jobs, RETRY_WAIT jobs past due, and
AWAITING_REPLY jobs past their reply deadline (whose `advance` reads the answer if it came,
or gives the script up). Sending twice is harmless: a task first claims the job's lease and
checks its state.

While the broker's queue is deep the tasks are not lost, only late: re-sending then would
only deepen it, so the re-drive waits (it still starts queued jobs whose SE is free).
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from enstream.celery import app
from provisioning import conf
from provisioning.engine.lease import activate_next
from provisioning.models import ACTIVE_STATES, Job, JobState

BATCH = 500
QUEUE = "celery"


def queue_depth() -> int | None:
    """Messages waiting in the broker's queue (Redis), or None when it cannot tell."""
    try:
        with app.connection_for_write() as conn:
            client = getattr(conn.default_channel, "client", None)
            return int(client.llen(QUEUE)) if client is not None else None
    except Exception:
        # A broker hiccup must not stop the re-drive: go on as if the queue were short.
        return None


def jobs_redrive() -> int:
    """Re-send the tasks of jobs left unattended; returns how many jobs it moved."""
    from provisioning.tasks import advance

    now = timezone.now()
    started = _start_orphans()
    depth = queue_depth()
    if depth is not None and depth > conf.number("PROVISIONING_REDRIVE_MAX_QUEUE"):
        return started
    stale = now - timedelta(seconds=conf.number("PROVISIONING_REDRIVE_GRACE_SECONDS"))
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    quiet = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
    due = (
        Q(state=JobState.READY)
        | Q(state=JobState.RETRY_WAIT, next_attempt_at__lt=stale)
        | Q(state=JobState.AWAITING_REPLY, reply_deadline__lt=now)
    )
    ids = list(Job.objects.filter(due, free, quiet).values_list("pk", flat=True)[:BATCH])
    Job.objects.filter(pk__in=ids).update(enqueued_at=now)
    for pk in ids:
        advance.delay(str(pk))
    return started + len(ids)


def _start_orphans() -> int:
    """A queued job whose SE has no active job lost its turn (its predecessor's commit and the
    activation raced): start it."""
    busy = Job.objects.filter(state__in=ACTIVE_STATES).values("se_id")
    orphans = (
        Job.objects.filter(state=JobState.QUEUED)
        .exclude(se_id__in=busy)
        .values_list("se_id", flat=True)
        .distinct()[:BATCH]
    )
    return sum(activate_next(se_id) is not None for se_id in list(orphans))
