"""The worker fixture itself: a crash takes the whole worker down, a new one takes over."""

import os

import pytest

from enstream.celery import app
from tests.workers import CeleryWorkers, wait_until

pytestmark = pytest.mark.slow


def test_a_killed_worker_is_gone_with_its_pool_and_its_replacement_answers(
    celery_workers: CeleryWorkers,
) -> None:
    worker = celery_workers.start(pool="prefork", concurrency=2)
    group = worker.process.pid

    fresh = celery_workers.replace(worker)

    def group_gone() -> bool:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        return False

    assert not worker.alive()
    # Its pool processes died with it (once init has reaped them): nothing of it runs on.
    wait_until(group_gone, timeout=10)
    assert fresh.alive()
    assert app.control.ping(destination=[fresh.node], timeout=2)
    assert fresh.name != worker.name
