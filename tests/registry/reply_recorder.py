"""A reply task for the OTA tests: the worker loads it (`include`) and notes each exchange id
in the test's Redis db, where the test reads it."""

import redis
from django.conf import settings

from enstream.celery import app

TASK = "tests.registry.record_reply"
KEY = "tests:registry:ota_replies"


def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@app.task(name=TASK, ignore_result=True)
def record_reply(exchange_id: str) -> None:
    client().rpush(KEY, exchange_id)


def recorded() -> list[str]:
    return [item.decode() for item in client().lrange(KEY, 0, -1)]


def forget() -> None:
    client().delete(KEY)
