"""Writing the ledger: usage events, their rollups and the daily snapshots.

`usage_record` is what provisioning calls, inside the transaction that changes the state the
event describes: the event, its rollup increment and that state change commit together or not
at all, and the unique idempotency key makes a replayed step record nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.ledger import (
    BillingMonth,
    MonthStatus,
    UsageEvent,
    UsageKind,
    UsageMonthRollup,
    UsageRollup,
    UsageSnapshot,
    month_start,
    next_month,
)
from billing.reports_sources import active_credentials_by_issuer_mno
from issuers.errors import CommercialError
from issuers.models import Allocation, AllocationStatus

# pg_advisory_xact_lock's first key: "the billing month" (the second is yyyymm). Events take it
# shared, issuing a month takes it exclusively, so an issue waits for the events in flight.
_MONTH_LOCK_CLASS = 7_301

RollupKey = tuple[date, int, int, str, date]


def usage_key(job_id: object, step: str) -> str:
    """The idempotency key of the usage a job's step causes: the same step re-run (a worker
    died, a reply came twice) gives the same key, so it is counted once."""
    return f"job:{job_id}:{step}"


def lock_month(month: date, *, shared: bool) -> None:
    """Serialise event writers (shared) against the issuing of `month` (exclusive) until the
    transaction ends. SQLite has a single writer already, so there is nothing to take."""
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {function}(%s, %s)",
            [_MONTH_LOCK_CLASS, month.year * 100 + month.month],
        )


def open_month_from(month: date) -> date:
    """The first month from `month` on that is not issued, holding its shared lock so that it
    cannot be issued before the caller's transaction ends."""
    while True:
        lock_month(month, shared=True)
        if not BillingMonth.objects.filter(month=month, status=MonthStatus.ISSUED).exists():
            return month
        month = next_month(month)


def _check(idempotency_key: str, kind: str, quantity: int, occurred_at: datetime) -> None:
    if not connection.in_atomic_block:
        raise CommercialError(
            "usage_outside_transaction",
            "Record usage inside the transaction that makes the change it describes.",
        )
    if not idempotency_key or len(idempotency_key) > 200:
        raise CommercialError(
            "invalid_idempotency_key",
            "An idempotency key has 1 to 200 characters.",
            field="idempotency_key",
        )
    if kind not in UsageKind.values:
        raise CommercialError("unknown_usage_kind", f"No such usage kind: {kind!r}.", field="kind")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise CommercialError(
            "invalid_quantity", "A usage quantity is a whole number, 1 or more.", field="quantity"
        )
    if timezone.is_naive(occurred_at):
        raise CommercialError(
            "naive_time", "The time of a usage event needs a time zone.", field="occurred_at"
        )


@dataclass(frozen=True)
class _Pending:
    idempotency_key: str
    issuer: Any
    mno: Any
    se: Any
    kind: str
    quantity: int
    occurred_at: datetime
    day: date


# The events of the innermost `usage_batch` block, written when it ends; None: write at once.
_batch: ContextVar[list[_Pending] | None] = ContextVar("usage_batch", default=None)


@contextmanager
def usage_batch() -> Iterator[None]:
    """Write the usage recorded inside the block together when it ends, still inside the
    caller's transaction: one month lock and check per billed month, one insert, one upsert per
    rollup table, however many events. A provisioning task records two or three.

    When the block raises, what was recorded before is still written, as it would have been
    one by one; the caller's transaction decides whether it stands."""
    token = _batch.set([])
    try:
        yield
    finally:
        pending = _batch.get()
        _batch.reset(token)
        if pending:
            _write(pending)


def usage_record(
    *,
    idempotency_key: str,
    issuer: Any,
    mno: Any,
    kind: str,
    quantity: int = 1,
    occurred_at: datetime,
    se: Any = None,
) -> UsageEvent | None:
    """Record one billable fact; None when this key was recorded before (nothing changes), or
    when it waits in a `usage_batch` to be written with the others.

    Must run inside the caller's transaction. An event of an issued month is billed into the
    first month not yet issued, where the invoice shows it as an adjustment.
    """
    _check(idempotency_key, kind, quantity, occurred_at)
    pending = _Pending(
        idempotency_key,
        issuer,
        mno,
        se,
        kind,
        quantity,
        occurred_at,
        timezone.localtime(occurred_at).date(),
    )
    batch = _batch.get()
    if batch is not None:
        batch.append(pending)
        return None
    return _write([pending]).get(idempotency_key)


def _write(pending: list[_Pending]) -> dict[str, UsageEvent]:
    """Insert the events whose keys are new and add them to the rollups; the new events by key."""
    firsts: dict[str, _Pending] = {}
    for p in pending:
        firsts.setdefault(p.idempotency_key, p)
    unique = list(firsts.values())
    billed_from: dict[date, date] = {}
    for p in unique:
        month = month_start(p.day)
        if month not in billed_from:
            billed_from[month] = open_month_from(month)
    recorded_at = timezone.now()
    ops = connection.ops
    table = UsageEvent._meta.db_table
    rows = [
        (
            p.idempotency_key,
            p.issuer.pk,
            p.mno.pk,
            p.se.pk if p.se is not None else None,
            p.kind,
            p.quantity,
            ops.adapt_datetimefield_value(p.occurred_at),
            ops.adapt_datetimefield_value(recorded_at),
            ops.adapt_datefield_value(billed_from[month_start(p.day)]),
        )
        for p in unique
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (idempotency_key, issuer_id, mno_id, se_id, kind, quantity, "  # noqa: S608
            "occurred_at, recorded_at, billed_month) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
            + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key",
            [value for row in rows for value in row],
        )
        inserted = {key: ident for ident, key in cursor.fetchall()}
    events: dict[str, UsageEvent] = {}
    rollups: dict[RollupKey, list[int]] = {}
    for p in unique:
        if p.idempotency_key not in inserted:
            continue
        billed = billed_from[month_start(p.day)]
        event = UsageEvent(
            id=inserted[p.idempotency_key],
            idempotency_key=p.idempotency_key,
            issuer=p.issuer,
            mno=p.mno,
            se=p.se,
            kind=p.kind,
            quantity=p.quantity,
            occurred_at=p.occurred_at,
            recorded_at=recorded_at,
            billed_month=billed,
        )
        event._state.adding = False
        event._state.db = connection.alias
        events[p.idempotency_key] = event
        totals = rollups.setdefault((p.day, p.issuer.pk, p.mno.pk, p.kind, billed), [0, 0])
        totals[0] += p.quantity
        totals[1] += 1
    if rollups:
        _rollups_add(rollups)
    return events


def _rollups_add(rollups: dict[RollupKey, list[int]]) -> None:
    # One statement per table, so two events of the same day never lose an increment (no
    # read-modify-write in Python) and nothing is scanned.
    ops = connection.ops
    for model, period, of_day in (
        (UsageRollup, "day", lambda day: day),
        (UsageMonthRollup, "month", month_start),
    ):
        merged: dict[RollupKey, list[int]] = {}
        for (day, issuer_id, mno_id, kind, billed), (quantity, count) in rollups.items():
            totals = merged.setdefault((of_day(day), issuer_id, mno_id, kind, billed), [0, 0])
            totals[0] += quantity
            totals[1] += count
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({period}, issuer_id, mno_id, kind, billed_month, "  # noqa: S608
                "quantity, events) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(merged))
                + f" ON CONFLICT (issuer_id, mno_id, kind, {period}, billed_month) DO UPDATE SET "
                f"quantity = {table}.quantity + EXCLUDED.quantity, "
                f"events = {table}.events + EXCLUDED.events",
                [
                    value
                    for (period_value, issuer_id, mno_id, kind, billed), (quantity, count) in (
                        merged.items()
                    )
                    for value in (
                        ops.adapt_datefield_value(period_value),
                        issuer_id,
                        mno_id,
                        kind,
                        ops.adapt_datefield_value(billed),
                        quantity,
                        count,
                    )
                ],
            )


# --- snapshots -------------------------------------------------------------------------------


@transaction.atomic
def usage_snapshot_take(*, day: date | None = None) -> int:
    """Write (or overwrite, when run twice) the day's snapshot of every issuer x network that
    holds space: active SSDs and bytes from the allocations' counters, what was approved, and
    active credentials when provisioning keeps them. Returns the number of rows."""
    day = day or timezone.localdate()
    held = (
        Allocation.objects.filter(status__in=[AllocationStatus.APPROVED, AllocationStatus.REVOKED])
        .values(issuer_id=F("network_line__agreement__issuer_id"), mno_id=F("network_line__mno_id"))
        .annotate(ssds=Sum("ssds_created"), used=Sum("bytes_used"))
    )
    approved = (
        Allocation.objects.filter(status=AllocationStatus.APPROVED)
        .values(issuer_id=F("network_line__agreement__issuer_id"), mno_id=F("network_line__mno_id"))
        .annotate(
            cap=Sum("approved_cap"),
            cap_bytes=Sum(F("approved_cap") * (F("nv_quota_bytes") + F("v_quota_bytes"))),
        )
    )
    caps = {(r["issuer_id"], r["mno_id"]): r for r in approved}
    credentials = active_credentials_by_issuer_mno()
    rows = []
    for r in held:
        key = (r["issuer_id"], r["mno_id"])
        cap = caps.get(key, {})
        rows.append(
            UsageSnapshot(
                day=day,
                issuer_id=key[0],
                mno_id=key[1],
                active_ssds=r["ssds"] or 0,
                bytes_used=r["used"] or 0,
                allocated_ssds=cap.get("cap") or 0,
                allocated_bytes=cap.get("cap_bytes") or 0,
                active_credentials=None if credentials is None else credentials.get(key, 0),
                taken_at=timezone.now(),
            )
        )
    UsageSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["day", "issuer", "mno"],
        update_fields=[
            "active_ssds",
            "bytes_used",
            "allocated_ssds",
            "allocated_bytes",
            "active_credentials",
            "taken_at",
        ],
    )
    return len(rows)


# --- rollups rebuilt from the ledger ---------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    rows: int
    differed: bool
    missing: int
    extra: int
    changed: int


def ledger_aggregate() -> dict[RollupKey, tuple[int, int]]:
    """A fresh aggregation of the whole ledger, the way the rollups should hold it."""
    grouped = (
        UsageEvent.objects.order_by()
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day", "issuer_id", "mno_id", "kind", "billed_month")
        .annotate(quantity=Sum("quantity"), events=Count("id"))
    )
    return {tuple(row[:5]): (int(row[5]), int(row[6])) for row in grouped.iterator()}  # type: ignore[misc]


def rollup_table() -> dict[RollupKey, tuple[int, int]]:
    rows = UsageRollup.objects.order_by().values_list(
        "day", "issuer_id", "mno_id", "kind", "billed_month", "quantity", "events"
    )
    return {tuple(row[:5]): (int(row[5]), int(row[6])) for row in rows.iterator()}  # type: ignore[misc]


def by_month(daily: dict[RollupKey, tuple[int, int]]) -> dict[RollupKey, tuple[int, int]]:
    """Daily sums folded into the month rollups' keys (the first day of the month)."""
    months: dict[RollupKey, tuple[int, int]] = {}
    for (day, issuer_id, mno_id, kind, billed), (quantity, events) in daily.items():
        key = (month_start(day), issuer_id, mno_id, kind, billed)
        q, e = months.get(key, (0, 0))
        months[key] = (q + quantity, e + events)
    return months


def month_rollup_table() -> dict[RollupKey, tuple[int, int]]:
    rows = UsageMonthRollup.objects.order_by().values_list(
        "month", "issuer_id", "mno_id", "kind", "billed_month", "quantity", "events"
    )
    return {tuple(row[:5]): (int(row[5]), int(row[6])) for row in rows.iterator()}  # type: ignore[misc]


def _replace(model: type[UsageRollup | UsageMonthRollup], period: str, fresh: dict) -> None:
    model.objects.all().delete()
    rows = (
        model(
            **{period: key[0]},
            issuer_id=key[1],
            mno_id=key[2],
            kind=key[3],
            billed_month=key[4],
            quantity=quantity,
            events=events,
        )
        for key, (quantity, events) in fresh.items()
    )
    while batch := list(islice(rows, 20_000)):
        model.objects.bulk_create(batch)


def _differences(fresh: dict, stored: dict) -> tuple[int, int, int]:
    missing = sum(1 for key in fresh if key not in stored)
    extra = sum(1 for key in stored if key not in fresh)
    changed = sum(1 for key, value in fresh.items() if key in stored and stored[key] != value)
    return missing, extra, changed


@transaction.atomic
def usage_rollups_rebuild() -> RebuildResult:
    """Recompute every rollup (daily and monthly) from the ledger and say whether the stored
    ones differed.

    New events wait while this runs (the ledger is locked against writes), so none lands
    between the aggregation and the rewrite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {UsageEvent._meta.db_table} IN SHARE MODE")
    fresh = ledger_aggregate()
    fresh_months = by_month(fresh)
    daily = _differences(fresh, rollup_table())
    monthly = _differences(fresh_months, month_rollup_table())
    if any(daily):
        _replace(UsageRollup, "day", fresh)
    if any(monthly):
        _replace(UsageMonthRollup, "month", fresh_months)
    missing, extra, changed = (a + b for a, b in zip(daily, monthly, strict=True))
    return RebuildResult(
        rows=len(fresh) + len(fresh_months),
        differed=bool(missing or extra or changed),
        missing=missing,
        extra=extra,
        changed=changed,
    )
