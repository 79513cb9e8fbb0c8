"""The unified reports' figures, read from rollups, snapshots and documents, never the ledger.

Every query groups in the database (a month of a large platform is a few thousand rollup rows
per day at most); Python only joins the groups. The EnStream report is the only one with
revenue, wholesale cost and margin; billing/reports_party.py builds the issuer's and the MNO's.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncMonth

from billing.documents import DocumentStatus
from billing.invoices import CreditNoteLine, InvoiceLine
from billing.invoices_rating import days_in
from billing.ledger import (
    UsageKind,
    UsageMonthRollup,
    UsageRollup,
    UsageSnapshot,
    month_end,
    month_start,
    next_month,
)
from billing.reports_charts import Series, line_chart
from billing.reports_forms import ReportRange
from billing.reports_sources import JobStats, jobs_tracked, provisioning_job_stats
from billing.settlements_rating import SETTLED_USAGE
from issuers.models import Issuer
from mno.models import MNO, WholesaleAgreement

Pair = tuple[int, int]
KINDS = list(UsageKind)


@dataclass
class Row:
    """One issuer on one network over the range."""

    issuer: Issuer
    mno: MNO
    ssds: int = 0
    used_bytes: int = 0
    allocated_bytes: int = 0
    active_credentials: int | None = None
    operations: dict[str, int] = field(default_factory=dict)
    jobs: JobStats | None = None
    revenue: Decimal = Decimal("0.00")
    cost: Decimal = Decimal("0.00")
    # Set by the page, once per issuer and network: a reverse() per cell is most of a big
    # table's rendering time.
    issuer_url: str = ""
    mno_url: str = ""

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    def operation(self, kind: str) -> int:
        return self.operations.get(kind, 0)

    @property
    def operations_list(self) -> list[int]:
        return [self.operation(kind) for kind in UsageKind.values]


@dataclass
class NetworkTotal:
    mno: MNO
    ssds: int = 0
    used_bytes: int = 0
    allocated_bytes: int = 0
    capacity_ssds: int | None = None
    capacity_bytes: int | None = None
    jobs: JobStats | None = None


def _filtered(queryset: Any, rng: ReportRange, **extra: Any) -> Any:
    queryset = queryset.filter(day__gte=rng.start, day__lte=rng.end, **extra)
    return queryset if rng.mno_ids is None else queryset.filter(mno_id__in=rng.mno_ids)


def positions_at_end(rng: ReportRange, **extra: Any) -> dict[Pair, dict[str, Any]]:
    """Each issuer x network as of the range's last snapshot day."""
    snapshots = _filtered(UsageSnapshot.objects.all(), rng, **extra)
    last = snapshots.aggregate(day=Max("day"))["day"]
    if last is None:
        return {}
    return {
        (r["issuer_id"], r["mno_id"]): r
        for r in snapshots.filter(day=last).values(
            "issuer_id",
            "mno_id",
            "active_ssds",
            "bytes_used",
            "allocated_bytes",
            "active_credentials",
        )
    }


def usage_by_month(rng: ReportRange, **extra: Any) -> dict[tuple[int, int, str, date], int]:
    """(issuer, MNO, kind, month) -> quantity over the range: whole months from the month
    rollups, the days of a month the range only partly covers from the daily ones."""
    full = []
    month = month_start(rng.start)
    while month <= rng.end:
        if month >= rng.start and month_end(month) <= rng.end:
            full.append(month)
        month = next_month(month)
    result: dict[tuple[int, int, str, date], int] = defaultdict(int)
    months = UsageMonthRollup.objects.filter(month__in=full, **extra)
    if rng.mno_ids is not None:
        months = months.filter(mno_id__in=rng.mno_ids)
    days = _filtered(UsageRollup.objects.all(), rng, **extra)
    if full:
        days = days.filter(Q(day__lt=full[0]) | Q(day__gt=month_end(full[-1])))
    sources = [(months, "month")] if full else []
    if not full or full[0] > rng.start or month_end(full[-1]) < rng.end:
        sources.append((days.annotate(m=TruncMonth("day")), "m"))
    for queryset, period in sources:
        rows = (
            queryset.values_list("issuer_id", "mno_id", "kind", period)
            .annotate(q=Sum("quantity"))
            .order_by()
        )
        for issuer_id, mno_id, kind, usage_month, quantity in rows:
            result[(issuer_id, mno_id, kind, usage_month)] += int(quantity)
    return result


def operations(usage: dict[tuple[int, int, str, date], int]) -> dict[Pair, dict[str, int]]:
    result: dict[Pair, dict[str, int]] = defaultdict(dict)
    for (issuer_id, mno_id, kind, _), quantity in usage.items():
        ops = result[(issuer_id, mno_id)]
        ops[kind] = ops.get(kind, 0) + quantity
    return result


def build_rows(
    rng: ReportRange,
    *,
    jobs: bool = True,
    usage: dict[tuple[int, int, str, date], int] | None = None,
    **extra: Any,
) -> list[Row]:
    positions = positions_at_end(rng, **extra)
    ops = operations(usage if usage is not None else usage_by_month(rng, **extra))
    stats = provisioning_job_stats(
        start=rng.start,
        end=rng.end,
        issuer_ids=[extra["issuer"].pk] if "issuer" in extra else None,
        mno_ids=[extra["mno"].pk] if "mno" in extra else rng.mno_ids,
    )
    pairs = set(positions) | set(ops)
    issuers = Issuer.objects.in_bulk({i for i, _ in pairs})
    mnos = MNO.objects.in_bulk({m for _, m in pairs})
    rows = []
    for pair in sorted(pairs, key=lambda p: (issuers[p[0]].legal_name, mnos[p[1]].name)):
        position = positions.get(pair, {})
        rows.append(
            Row(
                issuer=issuers[pair[0]],
                mno=mnos[pair[1]],
                ssds=position.get("active_ssds", 0),
                used_bytes=position.get("bytes_used", 0),
                allocated_bytes=position.get("allocated_bytes", 0),
                active_credentials=position.get("active_credentials"),
                operations=ops.get(pair, {}),
                jobs=(stats or {}).get(pair) if jobs else None,
            )
        )
    return rows


def network_totals(rng: ReportRange, rows: list[Row]) -> list[NetworkTotal]:
    totals: dict[int, NetworkTotal] = {}
    for row in rows:
        total = totals.setdefault(row.mno.pk, NetworkTotal(mno=row.mno))
        total.ssds += row.ssds
        total.used_bytes += row.used_bytes
        total.allocated_bytes += row.allocated_bytes
    stats = provisioning_job_stats(
        start=rng.start, end=rng.end, issuer_ids=None, mno_ids=list(totals)
    )
    for agreement in WholesaleAgreement.objects.filter(
        mno_id__in=list(totals), starts_on__lte=rng.end, ends_on__gte=rng.end
    ):
        totals[agreement.mno_id].capacity_ssds = agreement.capacity_ssds
        totals[agreement.mno_id].capacity_bytes = agreement.capacity_bytes
    for mno_id, total in totals.items():
        total.jobs = (stats or {}).get((0, mno_id))
    return sorted(totals.values(), key=lambda t: t.mno.name)


def _revenue(rng: ReportRange) -> dict[Pair, Decimal]:
    """Issued invoices of the months the range touches, less their credit notes."""
    months = {"month__gte": month_start(rng.start), "month__lte": rng.end}
    lines = InvoiceLine.objects.filter(
        invoice__status=DocumentStatus.ISSUED, **{f"invoice__{k}": v for k, v in months.items()}
    )
    credits = CreditNoteLine.objects.filter(
        **{f"invoice_line__invoice__{k}": v for k, v in months.items()}
    )
    if rng.mno_ids is not None:
        lines = lines.filter(mno_id__in=rng.mno_ids)
        credits = credits.filter(invoice_line__mno_id__in=rng.mno_ids)
    result: dict[Pair, Decimal] = defaultdict(Decimal)
    for issuer_id, mno_id, amount in (
        lines.values_list("invoice__issuer_id", "mno_id").annotate(a=Sum("amount")).order_by()
    ):
        result[(issuer_id, mno_id or 0)] += amount
    for issuer_id, mno_id, amount in (
        credits.values_list("invoice_line__invoice__issuer_id", "invoice_line__mno_id")
        .annotate(a=Sum("amount"))
        .order_by()
    ):
        result[(issuer_id, mno_id or 0)] -= amount
    return result


def _wholesale_cost(
    rng: ReportRange, usage: dict[tuple[int, int, str, date], int]
) -> dict[Pair, Decimal]:
    """What the range's SSD-days and operations cost at the wholesale prices of their month."""
    terms = list(
        WholesaleAgreement.objects.filter(
            starts_on__lte=rng.end, ends_on__gte=month_start(rng.start)
        ).order_by("-starts_on")
    )

    def price(mno_id: int, month: date, name: str) -> Decimal:
        for t in terms:
            if t.mno_id == mno_id and t.starts_on <= month_end(month) and t.ends_on >= month:
                return getattr(t, name)
        return Decimal(0)

    cost: dict[Pair, Decimal] = defaultdict(Decimal)
    ssd_days = (
        _filtered(UsageSnapshot.objects.all(), rng)
        .annotate(month=TruncMonth("day"))
        .values_list("issuer_id", "mno_id", "month")
        .annotate(days=Sum("active_ssds"))
        .order_by()
    )
    for issuer_id, mno_id, month, days in ssd_days:
        unit = price(mno_id, month, "price_per_active_ssd_month")
        cost[(issuer_id, mno_id)] += unit * days / days_in(month)
    for (issuer_id, mno_id, kind, month), quantity in usage.items():
        if kind in SETTLED_USAGE:
            cost[(issuer_id, mno_id)] += price(mno_id, month, SETTLED_USAGE[kind][1]) * quantity
    return {pair: value.quantize(Decimal("0.01")) for pair, value in cost.items()}


def ssd_trend(rng: ReportRange, **extra: Any) -> dict[int, dict[date, int]]:
    rows = (
        _filtered(UsageSnapshot.objects.all(), rng, **extra)
        .values_list("mno_id", "day")
        .annotate(n=Sum("active_ssds"))
        .order_by()
    )
    trend: dict[int, dict[date, int]] = defaultdict(dict)
    for mno_id, day, n in rows:
        trend[mno_id][day] = int(n)
    return trend


def operations_trend(rng: ReportRange, **extra: Any) -> dict[str, dict[date, int]]:
    rows = (
        _filtered(UsageRollup.objects.all(), rng, **extra)
        .values_list("kind", "day")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    trend: dict[str, dict[date, int]] = defaultdict(dict)
    for kind, day, n in rows:
        trend[kind][day] = int(n)
    return trend


def charts(rng: ReportRange, **extra: Any) -> list[Any]:
    ssds = ssd_trend(rng, **extra)
    names = MNO.objects.in_bulk(list(ssds))
    labels = dict(UsageKind.choices)
    return [
        line_chart(
            "Active SSDs per network",
            rng.days,
            [Series(names[m].name, points) for m, points in sorted(ssds.items())],
        ),
        line_chart(
            "Operations per day",
            rng.days,
            [
                Series(str(labels[k]), points)
                for k, points in sorted(operations_trend(rng, **extra).items())
            ],
        ),
    ]


@dataclass
class EnstreamReport:
    rng: ReportRange
    rows: list[Row]
    networks: list[NetworkTotal]
    unattributed_revenue: Decimal
    charts: list[Any]
    jobs_available: bool

    def failures(self) -> list[tuple[str, str, int]]:
        return sorted(
            (total.mno.name, code, n)
            for total in self.networks
            if total.jobs
            for code, n in total.jobs.failures.items()
        )


def enstream_report(rng: ReportRange) -> EnstreamReport:
    """Every issuer on every network, with money. EnStream staff only (the view says so)."""
    usage = usage_by_month(rng)
    rows = build_rows(rng, usage=usage)
    revenue = _revenue(rng)
    cost = _wholesale_cost(rng, usage)
    for row in rows:
        row.revenue = revenue.pop((row.issuer.pk, row.mno.pk), Decimal("0.00"))
        row.cost = cost.get((row.issuer.pk, row.mno.pk), Decimal("0.00"))
    return EnstreamReport(
        rng=rng,
        rows=rows,
        networks=network_totals(rng, rows),
        # Onboarding and other charges not tied to a network, and networks with no usage left.
        unattributed_revenue=sum(revenue.values(), Decimal("0.00")),
        charts=charts(rng),
        jobs_available=jobs_tracked(),
    )
