"""What `/health/` reports: the database, the cache, the broker and whether a worker answers.

Each check answers "ok" or a one-word failure; the reason goes to the log, never into the
response, which anyone may read.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from enstream.celery import app

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
NO_REPLY = "no reply"
WORKER_TIMEOUT_SECONDS = 1.0
# Without a database or a cache no page works; without a worker, pages work but jobs wait.
ESSENTIAL = ("database", "cache")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = f"health:{secrets.token_hex(8)}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return OK if value == "1" else ERROR


def check_broker() -> str:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    return OK


def check_worker() -> str:
    # `limit=1` returns on the first answer instead of waiting out the whole timeout.
    replies = app.control.ping(timeout=WORKER_TIMEOUT_SECONDS, limit=1)
    return OK if replies else NO_REPLY


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, str]

    @property
    def status(self) -> str:
        if any(self.checks[name] != OK for name in ESSENTIAL):
            return "down"
        if any(result != OK for result in self.checks.values()):
            return "degraded"
        return "ok"

    @property
    def http_status(self) -> int:
        return 503 if self.status == "down" else 200

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "checks": self.checks}


def _run(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:
        logger.warning("health check %s failed", name, exc_info=True)
        return ERROR


def health_report() -> HealthReport:
    checks = {
        "database": _run("database", check_database),
        "cache": _run("cache", check_cache),
        "broker": _run("broker", check_broker),
    }
    checks["worker"] = _run("worker", check_worker) if checks["broker"] == OK else NO_REPLY
    return HealthReport(checks)
