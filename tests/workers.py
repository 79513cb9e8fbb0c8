"""Real Celery worker processes for tests, against the test's Redis db and PostgreSQL database.

    @pytest.mark.django_db(transaction=True)      # rows must be committed for a worker to see
    def test_it_runs_on_a_worker(celery_worker):  # one prefork worker, two processes
        ...
        wait_until(lambda: Thing.objects.filter(done=True).exists(), timeout=10)

    def test_a_crash(celery_workers):             # the module's pool: start your own
        worker = celery_workers.start(pool="prefork", concurrency=1)
        ...
        worker = celery_workers.replace(worker)   # kill -9 (the whole process group), start anew

Workers run `python -m celery -A enstream worker` in the repository with DATABASE_URL naming
pytest-django's test database, and import the modules in `include` besides the project's
tasks (a test's own recorder task, say). The queue is purged first, so a message left over
by another run never reaches this one.

The workers consume the default queue of the test's Redis db: run one test process per db
(pytest-xdist processes sharing a db would take each other's tasks, against each other's
databases).

A task a killed worker held is given back by Redis only after the broker's visibility timeout
(an hour by default), and the same holds for countdown tasks it had reserved: a crash test
proves recovery through its own timeout and re-drive, not through that redelivery.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from enstream.celery import app

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll `predicate` (a DB read, say) until it returns something truthy; return that.

    Fails the test with the predicate's name after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = getattr(predicate, "__name__", "condition")
            raise AssertionError(f"{name} still false after {timeout:.1f} s")
        time.sleep(interval)


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    @property
    def node(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class CeleryWorkers:
    """Starts, kills and stops the worker processes of one test module."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.workers: list[Worker] = []

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONUNBUFFERED": "1"}
        env["ENSTREAM_KEK_BACKEND"] = settings.ENSTREAM_KEK_BACKEND
        env["ENSTREAM_KEK_FILE"] = str(settings.ENSTREAM_KEK_FILE)
        env["ENSTREAM_DATA_DIR"] = str(settings.DATA_DIR)
        env["ENSTREAM_CACHE_PREFIX"] = settings.CACHES["default"].get("KEY_PREFIX", "")
        env.pop("ENSTREAM_CELERY_EAGER", None)
        return env

    def purge(self) -> None:
        """Empty the queue, and forget what dead workers of earlier runs left unacknowledged."""
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("celery")
            client = getattr(conn.default_channel, "client", None)
            if client is not None:
                client.delete("unacked", "unacked_index", "unacked_mutex")

    def start(
        self,
        *,
        pool: str = "prefork",
        concurrency: int = 2,
        include: Sequence[str] = (),
        ping: bool = True,
    ) -> Worker:
        """Start one worker and wait until it answers a ping."""
        name = f"test-{uuid.uuid4().hex[:10]}"
        log = self.log_dir / f"{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "enstream", "worker",
            "-P", pool, "-c", str(concurrency), "--without-mingle", "--without-gossip",
            "--without-heartbeat", "-Q", "celery", "-n", f"{name}@%h", "-l", "INFO",
        ]  # fmt: skip
        if include:
            command += ["-I", ",".join(include)]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: a crash kills the pool's children with it.
                start_new_session=True,
            )
        worker = Worker(name=name, process=process, log=log)
        self.workers.append(worker)
        if ping:
            self._wait_ready(worker)
        return worker

    def _wait_ready(self, worker: Worker) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not worker.alive():
                raise RuntimeError(f"worker {worker.name} exited:\n{worker.log_tail()}")
            if app.control.ping(destination=[worker.node], timeout=0.5):
                return
        self.stop(worker)
        raise RuntimeError(f"worker {worker.name} never answered a ping:\n{worker.log_tail()}")

    def kill(self, worker: Worker) -> None:
        """kill -9 the worker and its pool processes, as a machine crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=10)

    def replace(self, worker: Worker, **start_options: Any) -> Worker:
        """Kill `worker` mid-task and start a fresh one in its place."""
        self.kill(worker)
        return self.start(**start_options)

    def stop(self, worker: Worker) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it lingers."""
        if worker.alive():
            try:
                os.killpg(worker.process.pid, signal.SIGTERM)
                worker.process.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                self.kill(worker)

    def stop_all(self) -> None:
        for worker in self.workers:
            self.stop(worker)
        self.workers.clear()


def _require_redis() -> None:
    if not settings.REDIS_URL:
        pytest.skip("real workers need the Redis broker (set REDIS_URL)")


@pytest.fixture(scope="module")
def celery_workers(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorkers]:
    """The module's worker pool: start workers with `.start()`; all stop at module end."""
    _require_redis()
    workers = CeleryWorkers(tmp_path_factory.mktemp("celery-workers"))
    workers.purge()
    try:
        yield workers
    finally:
        workers.stop_all()


@pytest.fixture(scope="module")
def celery_worker(celery_workers: CeleryWorkers) -> Worker:
    """One prefork worker with two processes, shared by the module's tests."""
    return celery_workers.start(pool="prefork", concurrency=2)
