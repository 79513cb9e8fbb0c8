"""Thin Celery tasks: ids in, services do the work."""

from celery import Task, shared_task

from enstream.webhooks.delivery import webhook_deliveries_requeue, webhook_delivery_attempt
from enstream.webhooks.services import webhook_secrets_expire


@shared_task(bind=True, ignore_result=True, max_retries=None)
def deliver_webhook(self: Task, delivery_id: int) -> None:
    # The service bounds the attempts and picks the backoff; Celery only keeps the timer.
    retry_in = webhook_delivery_attempt(delivery_id=delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task(ignore_result=True)
def requeue_webhook_deliveries() -> int:
    ids = webhook_deliveries_requeue()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)


@shared_task(ignore_result=True)
def expire_webhook_secrets() -> int:
    return webhook_secrets_expire()
