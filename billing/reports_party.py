"""The issuer's report (its networks side by side and its charges so far this month) and the
MNO's (its network, its operations and what it is owed: wholesale figures only)."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.utils import timezone

from billing.invoices import Invoice
from billing.invoices_rating import (
    RatedInvoice,
    billed_usage,
    platform_volume,
    rate_issuer,
    ssd_days,
)
from billing.ledger import UsageKind, month_start
from billing.reports import NetworkTotal, Row, build_rows, charts, network_totals
from billing.reports_forms import ReportRange
from billing.reports_sources import jobs_tracked
from billing.settlements import Settlement
from billing.settlements_rating import RatedStatement, rate_mno
from issuers.models import Issuer
from mno.models import MNO


@dataclass
class IssuerReport:
    issuer: Issuer
    rng: ReportRange
    rows: list[Row]
    estimate: RatedInvoice
    estimate_through: date
    invoices: list[Invoice]
    charts: list[Any]
    jobs_available: bool

    @property
    def operation_rows(self) -> list[tuple[str, list[int]]]:
        """Per usage kind, its count on each network, in the column order of `rows`."""
        return [
            (str(label), [row.operation(kind) for row in self.rows])
            for kind, label in UsageKind.choices
        ]


def issuer_estimate(issuer: Issuer, today: date) -> RatedInvoice:
    """The month so far, rated through the price plan as the close will rate it: SSD-days to
    date over the whole month's days, usage billed into the month so far, and the platform's
    volume so far for the shared-cost band."""
    month = month_start(today)
    days = {m: n for (i, m), n in ssd_days(month, through=today).items() if i == issuer.pk}
    usage = {(m, k, u): q for (_, m, k, u), q in billed_usage(month, issuer=issuer).items()}
    return rate_issuer(
        issuer=issuer,
        month=month,
        volume=platform_volume(month, through=today),
        days=days,
        usage=usage,
        through=today,
    )


def issuer_report(issuer: Issuer, rng: ReportRange, invoices: list[Invoice]) -> IssuerReport:
    today = timezone.localdate()
    return IssuerReport(
        issuer=issuer,
        rng=rng,
        rows=build_rows(rng, issuer=issuer),
        estimate=issuer_estimate(issuer, today),
        estimate_through=today,
        invoices=invoices,
        charts=charts(rng, issuer=issuer),
        jobs_available=jobs_tracked(),
    )


@dataclass
class MnoReport:
    mno: MNO
    rng: ReportRange
    rows: list[Row]
    total: NetworkTotal | None
    statements: list[Settlement]
    estimate: RatedStatement
    estimate_through: date
    charts: list[Any]


def mno_estimate(mno: MNO, today: date) -> RatedStatement:
    """What EnStream owes the MNO for the month so far, at its wholesale prices."""
    month = month_start(today)
    by_kind: dict[tuple[str, date], int] = defaultdict(int)
    for (_, _, kind, usage_month), quantity in billed_usage(month, mno=mno).items():
        by_kind[(kind, usage_month)] += quantity
    total_days = sum(ssd_days(month, through=today, mno=mno).values())
    return rate_mno(mno=mno, month=month, ssd_day_total=total_days, usage=by_kind)


def mno_report(mno: MNO, rng: ReportRange, statements: list[Settlement]) -> MnoReport:
    # The MNO's own network only, whatever networks the filter named.
    rng = replace(rng, mno_ids=[mno.pk])
    rows = build_rows(rng, jobs=False, mno=mno)
    for row in rows:
        row.active_credentials = None  # cards are the issuer's business, not the network's
    totals = network_totals(rng, rows)
    today = timezone.localdate()
    return MnoReport(
        mno=mno,
        rng=rng,
        rows=rows,
        total=totals[0] if totals else None,
        statements=statements,
        estimate=mno_estimate(mno, today),
        estimate_through=today,
        charts=charts(rng, mno=mno),
    )
