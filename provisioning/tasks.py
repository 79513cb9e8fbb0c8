"""Thin Celery tasks: ids in, the engine and services do the work; each is safe to run twice."""

from celery import Task, shared_task
from django.db import DatabaseError

from provisioning.engine.redrive import jobs_redrive
from provisioning.engine.runner import job_advance, job_on_reply

# A reply that finds its job busy (another task holds the lease for a moment) comes back soon;
# past these retries the re-drive delivers it.
_REPLY_RETRIES = 20


@shared_task(
    name="provisioning.tasks.advance",
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def advance(job_id: str) -> None:
    """Plan and send the job's next script (or end it); also handles an overdue reply."""
    job_advance(job_id)


@shared_task(
    bind=True,
    name="provisioning.tasks.on_ota_reply",
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=_REPLY_RETRIES,
)
def on_ota_reply(self: Task, exchange_id: str) -> None:
    """The network answered a script: read it, and take the job one step further."""
    if not job_on_reply(exchange_id):
        raise self.retry(countdown=0.2 * (self.request.retries + 1))


@shared_task(name="provisioning.tasks.redrive", ignore_result=True)
def redrive() -> int:
    return jobs_redrive()


@shared_task(
    name="provisioning.tasks.on_subscriber_moved",
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def on_subscriber_moved(move_id: int) -> None:
    """A line moved to a new SIM or network (mno.se_services): re-provision or suspend."""
    from provisioning.services.moves import subscriber_moved

    subscriber_moved(move_id=move_id)
