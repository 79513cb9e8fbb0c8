"""Fixtures for provisioning tests: the market, virtual SIMs, and an in-process task pump.

`pump` runs the Celery tasks the engine and the simulated network send, in this process and
in order, so engine tests are fast and deterministic; tests/provisioning/test_workers_*.py run
the same flows on real worker processes.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from enstream.celery import app
from mno.ota import simulated
from provisioning.engine.redrive import jobs_redrive
from provisioning.engine.runner import job_advance, job_on_reply
from provisioning.services.moves import subscriber_moved
from tests.cast import Cast
from tests.provisioning.helpers import Market, build_market


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def market(cast: Cast) -> Market:
    return build_market(cast)


@dataclass
class Pump:
    """The broker, in process: tasks queue here and `run` executes them in order."""

    queue: deque = field(default_factory=deque)
    ran: list[str] = field(default_factory=list)

    def send(
        self, name: str, args: list[Any] | tuple = (), kwargs: dict | None = None, **_: Any
    ) -> None:
        # Celery's apply_async (and so .delay) passes kwargs third, positionally. Tasks the
        # pump does not run (webhook deliveries) wait in the queue and are skipped by `run`.
        self.queue.append((name, tuple(args or ())))

    def run(self, *, limit: int = 500, until: Callable[[], bool] | None = None) -> int:
        done = 0
        while self.queue and done < limit:
            name, args = self.queue.popleft()
            self.ran.append(name)
            done += 1
            if name == "provisioning.tasks.advance":
                job_advance(args[0])
            elif name == "provisioning.tasks.on_ota_reply":
                if not job_on_reply(args[0]):
                    self.queue.append((name, args))
            elif name == simulated.DELIVER_TASK:
                simulated.deliver(*args)
            elif name == "provisioning.tasks.on_subscriber_moved":
                subscriber_moved(move_id=args[0])
            if until is not None and until():
                break
        return done

    def redrive(self) -> int:
        return jobs_redrive()

    def settle(self, *, rounds: int = 30) -> None:
        """Run, then re-drive what waits on a timeout or a backoff, until nothing moves."""
        for _ in range(rounds):
            self.run()
            if not self.redrive() and not self.queue:
                return


class _FakeTask:
    def __init__(self, pump: Pump, name: str) -> None:
        self.pump, self.name = pump, name

    def delay(self, *args: Any) -> None:
        self.pump.send(self.name, args)

    def apply_async(self, args: Any = (), **_: Any) -> None:
        self.pump.send(self.name, args)


@pytest.fixture
def pump(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Pump:
    """Tasks run in process; retries and re-drives are due at once."""
    pump = Pump()
    monkeypatch.setattr(app, "send_task", pump.send)
    monkeypatch.setattr("provisioning.tasks.advance", _FakeTask(pump, "provisioning.tasks.advance"))
    settings.PROVISIONING_RETRY_BASE_SECONDS = 0
    settings.PROVISIONING_REDRIVE_GRACE_SECONDS = 0
    return pump
