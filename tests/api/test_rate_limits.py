import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import time_machine
from rest_framework.test import APIClient

from enstream.api.throttling import Rate, parse_rate, rate_hit
from tests.api.conftest import MakeKey, bearer

URL = "/api/v1/webhooks"


def test_a_key_over_its_rate_gets_429_with_retry_after(
    api: APIClient, make_key: MakeKey, settings: Any
) -> None:
    assert settings.REDIS_URL, "rate limits are proven on a real Redis: set REDIS_URL"
    settings.ENSTREAM_API_RATE_LIMIT = "3/minute"
    key, raw = make_key()
    assert [api.get(URL, **bearer(raw)).status_code for _ in range(3)] == [200] * 3
    refused = api.get(URL, **bearer(raw))
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    counters = redis.Redis.from_url(settings.REDIS_URL).keys(f"*ratelimit:key:{key.public_id}*")
    assert counters, "the counter lives in Redis"


def test_each_key_has_its_own_budget(api: APIClient, make_key: MakeKey, settings: Any) -> None:
    settings.ENSTREAM_API_RATE_LIMIT = "2/minute"
    _, first = make_key(name="one")
    _, second = make_key(name="two")
    for _ in range(3):
        api.get(URL, **bearer(first))
    assert api.get(URL, **bearer(first)).status_code == 429
    assert api.get(URL, **bearer(second)).status_code == 200


def test_a_keys_own_rate_overrides_the_default(
    api: APIClient, make_key: MakeKey, settings: Any
) -> None:
    settings.ENSTREAM_API_RATE_LIMIT = "100/minute"
    key, raw = make_key()
    key.rate_limit = "1/hour"
    key.save()
    # Windows are aligned to the clock: early in an hour, the wait is most of that hour.
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, 5, tzinfo=UTC), tick=False):
        assert api.get(URL, **bearer(raw)).status_code == 200
        refused = api.get(URL, **bearer(raw))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60


def test_concurrent_calls_never_exceed_the_limit(settings: Any) -> None:
    assert settings.REDIS_URL, "rate limits are proven on a real Redis: set REDIS_URL"
    identity = f"test:{uuid.uuid4()}"
    rate = Rate(limit=10, period=60)
    now = time.time()
    allowed: list[bool] = []
    barrier = threading.Barrier(40)

    def call() -> None:
        barrier.wait()
        allowed.append(rate_hit(identity, rate, now=now)[0])

    threads = [threading.Thread(target=call) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10


def test_without_redis_the_django_cache_counts(settings: Any) -> None:
    settings.REDIS_URL = None
    identity = f"test:{uuid.uuid4()}"
    rate = Rate(limit=2, period=60)
    now = time.time()
    assert [rate_hit(identity, rate, now=now)[0] for _ in range(3)] == [True, True, False]


def test_an_unreachable_redis_lets_calls_through(settings: Any, caplog: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert rate_hit(f"test:{uuid.uuid4()}", Rate(limit=1, period=60))[0] is True
    assert "rate limit counter unavailable" in caplog.text


def test_rates_read_like_people_write_them() -> None:
    assert parse_rate("120/minute") == Rate(120, 60)
    assert parse_rate("10/s") == Rate(10, 1)
    assert parse_rate("5000/hour") == Rate(5000, 3600)
    assert parse_rate("100/10s") == Rate(100, 10)
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("lots")
