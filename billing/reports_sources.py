"""What the reports and snapshots read from provisioning: credentials and jobs.

Provisioning is built alongside billing; until its tables exist these answer None, which the
pages show as "no data" rather than a misleading zero. They read by model label, so billing
keeps no import-time dependency on provisioning's modules.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone


@cache
def _table_exists(table: str) -> bool:
    return table in connection.introspection.table_names()


def _model(label: str) -> Any:
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return model if _table_exists(model._meta.db_table) else None


def forget_tables() -> None:
    """Look again next time (tests create tables; a deploy migrates)."""
    _table_exists.cache_clear()


def jobs_tracked() -> bool:
    return _model("provisioning.Job") is not None


def active_credentials_by_issuer_mno() -> dict[tuple[int, int], int] | None:
    credential = _model("provisioning.Credential")
    if credential is None:
        return None
    rows = (
        credential.objects.filter(state="active", sandbox=False)
        .values_list("issuer_id", "se__mno_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(issuer_id, mno_id): n for issuer_id, mno_id, n in rows}


@dataclass(frozen=True)
class JobStats:
    finished: int
    succeeded: int
    p50_ms: int | None
    p95_ms: int | None
    failures: dict[str, int]

    @property
    def success_rate(self) -> float | None:
        return None if not self.finished else self.succeeded / self.finished


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _percentile(values: list[float], share: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return int(ordered[index])


def provisioning_job_stats(
    *, start: date, end: date, issuer_ids: list[int] | None, mno_ids: list[int] | None
) -> dict[tuple[int, int], JobStats] | None:
    """Per issuer x network, and per network for all issuers (issuer id 0): provisioning jobs
    finished in the range, how many succeeded, end-to-end latency percentiles and failures by
    code. None: no job table yet."""
    job = _model("provisioning.Job")
    if job is None:
        return None
    low, high = _bounds(start, end)
    jobs = job.objects.filter(
        kind="provision",
        sandbox=False,
        finished_at__gte=low,
        finished_at__lt=high,
        state__in=["succeeded", "failed"],
    )
    if issuer_ids is not None:
        jobs = jobs.filter(issuer_id__in=issuer_ids)
    if mno_ids is not None:
        jobs = jobs.filter(mno_id__in=mno_ids)
    durations: dict[tuple[int, int], list[float]] = {}
    counts: dict[tuple[int, int], list[int]] = {}
    failures: dict[tuple[int, int], dict[str, int]] = {}
    for issuer_id, mno_id, state, created, finished in jobs.values_list(
        "issuer_id", "mno_id", "state", "created_at", "finished_at"
    ).iterator():
        for key in ((issuer_id, mno_id), (0, mno_id)):
            count = counts.setdefault(key, [0, 0])
            count[0] += 1
            if state == "succeeded":
                count[1] += 1
                elapsed = (finished - created).total_seconds() * 1000
                durations.setdefault(key, []).append(elapsed)
    for issuer_id, mno_id, code, n in (
        jobs.filter(state="failed")
        .values_list("issuer_id", "mno_id", "failure_code")
        .annotate(n=Count("pk", filter=Q(state="failed")))
        .order_by()
    ):
        for key in ((issuer_id, mno_id), (0, mno_id)):
            codes = failures.setdefault(key, {})
            codes[code or "unknown"] = codes.get(code or "unknown", 0) + n
    return {
        key: JobStats(
            finished=finished,
            succeeded=succeeded,
            p50_ms=_percentile(durations.get(key, []), 0.5),
            p95_ms=_percentile(durations.get(key, []), 0.95),
            failures=failures.get(key, {}),
        )
        for key, (finished, succeeded) in counts.items()
    }
