"""Provisioning's tunables, from the environment (docs/provisioning.md lists them).

Read on each use, so tests can set `settings.PROVISIONING_*` (which wins) or the environment of
the worker processes they start.
"""

import os

from django.conf import settings

_DEFAULTS: dict[str, float] = {
    # How long a task may hold a job before another worker may take it over.
    "PROVISIONING_LEASE_SECONDS": 30,
    # How long to wait for a script's answer before treating it as lost (reconcile, retry).
    "PROVISIONING_REPLY_TIMEOUT_SECONDS": 120,
    # Transient faults: attempts per step, and the exponential backoff between them.
    "PROVISIONING_MAX_ATTEMPTS": 6,
    "PROVISIONING_RETRY_BASE_SECONDS": 2,
    "PROVISIONING_RETRY_MAX_SECONDS": 300,
    # Scripts a job may send in all (probes and rebuilds included) before it gives up.
    "PROVISIONING_MAX_SCRIPTS": 16,
    # The periodic re-drive: its period, and how long a job may sit unattended before it
    # re-sends the job's task.
    "PROVISIONING_REDRIVE_SECONDS": 30,
    "PROVISIONING_REDRIVE_GRACE_SECONDS": 20,
    # Past this many messages waiting in the broker, the re-drive sends nothing (it would only
    # add duplicates behind the backlog).
    "PROVISIONING_REDRIVE_MAX_QUEUE": 1000,
    # A job is "stuck" on the diagnostics page after this long without progress.
    "PROVISIONING_STUCK_SECONDS": 900,
}
_FLAGS: dict[str, bool] = {
    # Delete an issuer's SSD when its last credential on that SIM is deleted (frees the space
    # and the allocation's place); False keeps it for the next card.
    "PROVISIONING_DELETE_EMPTY_SSD": True,
}


def number(name: str) -> float:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name)
        value = float(raw) if raw not in (None, "") else _DEFAULTS[name]
    return float(value)


def flag(name: str) -> bool:
    value = getattr(settings, name, None)
    if value is None:
        raw = os.environ.get(name, "").strip().lower()
        return _FLAGS[name] if not raw else raw in ("1", "true", "yes", "on")
    return bool(value)
