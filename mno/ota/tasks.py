"""Celery tasks of the OTA transports: thin, by id, safe to run twice."""

from django.db import DatabaseError

from enstream.celery import app
from mno.ota import simulated


@app.task(
    name=simulated.DELIVER_TASK,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def deliver_simulated(exchange_id: str, fate: str) -> None:
    """The simulated network's script reaches its card (sent with countdown = latency)."""
    simulated.deliver(exchange_id, fate)
