"""Thin Celery tasks: the services do the work."""

from celery import shared_task

from enstream.apikeys.idempotency import idempotency_purge


@shared_task(ignore_result=True)
def purge_idempotency_records() -> int:
    return idempotency_purge()
