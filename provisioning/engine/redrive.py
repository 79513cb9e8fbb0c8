"""The periodic re-drive: the database is the outbox, the broker only a fast path.

A task can be lost (the broker restarted, a worker was killed holding it, a reply task was
never sent); a job never is. Every period this finds the jobs nobody is working on although
they should move, and sends their task again. Sending twice is harmless: a task first claims
the job's lease and checks its state.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from enstream.celery import app
from mno.ota.models import ExchangeState
from provisioning import conf
from provisioning.engine.lease import activate_next
from provisioning.models import ACTIVE_STATES, Job, JobState

BATCH = 500
REPLY_TASK = "provisioning.tasks.on_ota_reply"


def jobs_redrive() -> int:
    """Re-send the tasks of jobs left unattended; returns how many were sent."""
    from provisioning.tasks import advance

    now = timezone.now()
    stale = now - timedelta(seconds=conf.number("PROVISIONING_REDRIVE_GRACE_SECONDS"))
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    quiet = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
    due = (
        Q(state=JobState.READY)
        | Q(state=JobState.RETRY_WAIT, next_attempt_at__lt=stale)
        | Q(state=JobState.AWAITING_REPLY, reply_deadline__lt=now)
    )
    ids = list(Job.objects.filter(due, free, quiet).values_list("pk", flat=True)[:BATCH])
    # Answered while its reply task went missing: wake the job with that answer.
    answered = list(
        Job.objects.filter(
            free,
            state=JobState.AWAITING_REPLY,
            reply_deadline__gte=now,
            exchange__state__in=(ExchangeState.DELIVERED, ExchangeState.FAILED),
            exchange__delivered_at__lt=stale,
        ).values_list("pk", "exchange_id")[:BATCH]
    )
    Job.objects.filter(pk__in=ids + [pk for pk, _ in answered]).update(enqueued_at=now)
    for pk in ids:
        advance.delay(str(pk))
    for _, exchange_id in answered:
        app.send_task(REPLY_TASK, args=[str(exchange_id)])
    # A queued job whose SE has no active job lost its turn (its predecessor's commit and the
    # activation raced): start it.
    busy = Job.objects.filter(state__in=ACTIVE_STATES).values("se_id")
    orphans = (
        Job.objects.filter(state=JobState.QUEUED)
        .exclude(se_id__in=busy)
        .values_list("se_id", flat=True)
        .distinct()[:BATCH]
    )
    started = sum(activate_next(se_id) is not None for se_id in list(orphans))
    return len(ids) + len(answered) + started
