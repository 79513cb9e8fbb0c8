"""Webhooks delivered by a real Celery worker process, retries and all."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from enstream.webhooks import signing
from enstream.webhooks.models import DeliveryState, WebhookDelivery
from enstream.webhooks.services import webhook_emit
from tests.api.conftest import Receiver
from tests.cast import Cast

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[None]:
    """A worker on this test run's database and broker, with retries seconds apart."""
    assert settings.REDIS_URL, "the worker test runs on the Redis broker: set REDIS_URL"
    db = connection.settings_dict
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK": "true",
        "ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "enstream", "worker",
            "-P", "solo", "-c", "1", "--without-mingle", "--without-gossip",
            "-n", f"webhooks-test-{os.getpid()}@%h", "-l", "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the test database")
def test_a_worker_retries_a_failing_delivery_until_the_bank_answers(
    worker: None,
    cast: Cast,
    make_endpoint: Callable,
    receiver: Callable[..., Receiver],
) -> None:
    server = receiver([500, 503, 200])
    _, secret = make_endpoint(url=server.url)
    event = webhook_emit(
        organisation=cast.maple, event_type="credential.active", payload={"credential": "cr_9"}
    )
    delivery = WebhookDelivery.objects.get(event=event)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.state != DeliveryState.PENDING:
            break
        time.sleep(0.25)
    assert delivery.state == DeliveryState.SUCCEEDED
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 503, 200]
    starts = [a.started_at for a in delivery.attempt_log.order_by("number")]
    assert (starts[1] - starts[0]).total_seconds() >= 0.5
    assert (starts[2] - starts[1]).total_seconds() >= 1.0
    headers, body = server.requests[-1]
    assert signing.verify(body, headers["EnStream-Signature"], secret)
