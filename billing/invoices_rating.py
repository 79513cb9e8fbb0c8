"""Rating a month: what each issuer owes (through the price plan's quote) and what EnStream owes
each MNO (at wholesale prices), read from rollups and snapshots only, never the ledger.

Quantities:
- active SSD months: the month's SSD-days (snapshot days, a missing day carries the previous
  snapshot forward) divided by the days in the month, rounded half up. An allocation phased
  in on the 16th of a 30-day month with 300 SSDs counts 300 x 15 / 30 = 150.
- credentials provisioned and lifecycle operations: the rollups billed into the month.
- onboarding: 1 on the first invoice of an agreement.
Tiers count the issuer's volume across every network (one agreement), so a charge is rated once
and its amount shared among networks in proportion to their quantities, to the cent.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Max, Q, Sum

from billing.documents import DocumentStatus, LineType
from billing.invoices import Invoice
from billing.ledger import UsageKind, UsageMonthRollup, UsageSnapshot, month_end
from billing.money import round_amount, round_unit_price
from billing.pricing import ChargeKind, Quote, QuoteLine
from billing.services import price_plan_quote
from issuers.errors import CommercialError
from issuers.models import Issuer, ResaleAgreement
from mno.models import MNO

# Which usage an issuer pays for, and under which charge. SSDs are paid as active-SSD months
# (snapshots), key rotations are EnStream's own key management, OTA round trips are a cost.
CHARGED_USAGE: dict[str, str] = {
    UsageKind.CREDENTIAL_PROVISIONED: ChargeKind.CREDENTIAL_PROVISIONED,
    UsageKind.LIFECYCLE_OPERATION: ChargeKind.LIFECYCLE_OPERATION,
}
Pair = tuple[int, int]


def days_in(month: date) -> int:
    return month_end(month).day


def split(total: int, weights: Mapping[Any, int]) -> dict[Any, int]:
    """`total` units (or cents) shared in proportion to `weights`, largest remainders first,
    so the shares add up to `total` exactly."""
    weight_sum = sum(weights.values())
    if not weights:
        return {}
    if weight_sum == 0:
        first = next(iter(weights))
        return {key: (total if key == first else 0) for key in weights}
    exact = {key: Fraction(total * w, weight_sum) for key, w in weights.items()}
    shares = {key: value.numerator // value.denominator for key, value in exact.items()}
    leftover = total - sum(shares.values())
    by_remainder = sorted(exact, key=lambda k: (-(exact[k] - shares[k]), str(k)))
    for key in by_remainder[:leftover]:
        shares[key] += 1
    return shares


def split_amount(amount: Decimal, weights: Mapping[Any, int]) -> dict[Any, Decimal]:
    cents = split(int(amount * 100), weights)
    return {key: Decimal(c).scaleb(-2) for key, c in cents.items()}


# --- quantities ------------------------------------------------------------------------------


def ssd_days(
    month: date, *, through: date | None = None, mno: MNO | None = None
) -> dict[Pair, int]:
    """SSD-days per issuer x network from the month's first day to `through` (default: its
    last), carrying each snapshot forward to the days that have none."""
    first, last = month, min(through or month_end(month), month_end(month))
    snapshots = UsageSnapshot.objects.filter(day__gte=first, day__lte=last)
    before = UsageSnapshot.objects.filter(day__lt=first)
    if mno is not None:
        snapshots, before = snapshots.filter(mno=mno), before.filter(mno=mno)
    latest_before = before.values("issuer_id", "mno_id").annotate(day=Max("day")).order_by()
    carried = Q(pk__in=[])
    for row in latest_before:
        carried |= Q(issuer_id=row["issuer_id"], mno_id=row["mno_id"], day=row["day"])
    counts: dict[Pair, dict[date, int]] = defaultdict(dict)
    for issuer_id, mno_id, day, active in UsageSnapshot.objects.filter(
        Q(pk__in=snapshots.values("pk")) | carried
    ).values_list("issuer_id", "mno_id", "day", "active_ssds"):
        counts[(issuer_id, mno_id)][day] = active
    result: dict[Pair, int] = {}
    for pair, by_day in counts.items():
        current, total = 0, 0
        earlier = [d for d in by_day if d < first]
        if earlier:
            current = by_day[max(earlier)]
        day = first
        while day <= last:
            current = by_day.get(day, current)
            total += current
            day += timedelta(days=1)
        result[pair] = total
    return result


def ssd_months(days: int, month: date) -> int:
    return int((Decimal(days) / days_in(month)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def platform_volume(month: date, *, through: date | None = None) -> int:
    """Every issuer's active-SSD months together: the volume the shared-cost bands read."""
    per_issuer: dict[int, int] = defaultdict(int)
    for (issuer_id, _), days in ssd_days(month, through=through).items():
        per_issuer[issuer_id] += days
    return sum(ssd_months(days, month) for days in per_issuer.values())


def billed_usage(month: date, **filters: Any) -> dict[tuple[int, int, str, date], int]:
    """(issuer, MNO, kind, month the usage happened in) -> quantity billed into `month`."""
    rows = (
        UsageMonthRollup.objects.filter(billed_month=month, **filters)
        .values_list("issuer_id", "mno_id", "kind", "month")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    return {(i, m, k, u): int(q) for i, m, k, u, q in rows}


# --- issuers ---------------------------------------------------------------------------------


@dataclass
class RatedLine:
    line_type: str
    charge_kind: str
    label: str
    usage_month: date
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tiers: list[dict[str, Any]]
    mno_id: int | None


@dataclass
class RatedInvoice:
    issuer: Issuer
    month: date
    agreement: ResaleAgreement | None
    quote: Quote | None = None
    lines: list[RatedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def agreement_for(issuer: Issuer, month: date) -> ResaleAgreement | None:
    last = month_end(month)
    return (
        ResaleAgreement.objects.filter(
            issuer=issuer, activated_at__isnull=False, effective_on__lte=last
        )
        .filter(Q(ended_on__isnull=True, expires_on__gte=month) | Q(ended_on__gte=month))
        .select_related("price_plan")
        .order_by("-effective_on")
        .first()
    )


def _tiers(line: QuoteLine) -> list[dict[str, Any]]:
    return [
        {
            "first": t.first_unit,
            "last": t.last_unit,
            "quantity": t.quantity,
            "list_unit_price": str(t.list_unit_price),
            "unit_price": str(t.unit_price),
            "amount": str(round_amount(t.amount)),
        }
        for t in line.tiers
    ]


def _average(amount: Decimal, quantity: int) -> Decimal:
    return round_unit_price(amount / quantity) if quantity else Decimal("0.0000")


def _network_lines(
    line: QuoteLine,
    line_type: str,
    usage_month: date,
    weights: Mapping[int | None, int],
    label: str,
) -> list[RatedLine]:
    quantities = split(line.quantity, weights)
    amounts = split_amount(line.amount, quantities)
    return [
        RatedLine(
            line_type=line_type,
            charge_kind=line.kind,
            label=label,
            usage_month=usage_month,
            quantity=quantities[mno_id],
            unit_price=_average(line.amount, line.quantity),
            amount=amounts[mno_id],
            tiers=_tiers(line),
            mno_id=mno_id,
        )
        for mno_id in sorted(weights, key=lambda m: (m is None, m))
    ]


def _late_lines(
    rated: RatedInvoice, late: Mapping[date, Mapping[tuple[int, str], int]]
) -> list[RatedLine]:
    """Usage of an invoiced month that arrived late: the origin month re-rated with it, the
    difference charged now (it can be a credit when a volume tier is crossed)."""
    lines: list[RatedLine] = []
    for origin in sorted(late):
        agreement = agreement_for(rated.issuer, origin)
        if agreement is None:
            rated.problems.append(f"Late usage of {origin:%B %Y} has no agreement to rate it.")
            continue
        earlier = billed_before(rated.issuer, origin, rated.month)
        stored = Invoice.objects.filter(issuer=rated.issuer, month=origin).first()
        volume = stored.platform_volume if stored else platform_volume(origin)
        for charge in sorted({kind for _, kind in late[origin]}):
            by_mno = {m: q for (m, k), q in late[origin].items() if k == charge}
            before = earlier.get(charge, 0)
            now = before + sum(by_mno.values())
            old = price_plan_quote(
                plan=agreement.price_plan,
                month=origin,
                quantities={charge: before},
                platform_volume=volume,
            ).line(charge)
            new = price_plan_quote(
                plan=agreement.price_plan,
                month=origin,
                quantities={charge: now},
                platform_volume=volume,
            ).line(charge)
            difference = new.amount - old.amount
            amounts = split_amount(difference, by_mno)
            label = f"{new.label}: late usage of {origin:%B %Y} (re-rated {before:,} to {now:,})"
            lines.extend(
                RatedLine(
                    line_type=LineType.ADJUSTMENT,
                    charge_kind=charge,
                    label=label,
                    usage_month=origin,
                    quantity=quantity,
                    unit_price=_average(difference, now - before),
                    amount=amounts[mno_id],
                    tiers=_tiers(new),
                    mno_id=mno_id,
                )
                for mno_id, quantity in sorted(by_mno.items())
            )
    return lines


def billed_before(issuer: Issuer, origin: date, month: date) -> dict[str, int]:
    """Charged usage of `origin` already billed before `month`, by charge kind."""
    rows = (
        UsageMonthRollup.objects.filter(
            issuer=issuer,
            month=origin,
            billed_month__lt=month,
            kind__in=list(CHARGED_USAGE),
        )
        .values_list("kind")
        .annotate(q=Sum("quantity"))
        .order_by()
    )
    return {CHARGED_USAGE[kind]: int(q) for kind, q in rows}


def rate_issuer(
    *,
    issuer: Issuer,
    month: date,
    volume: int,
    days: Mapping[int, int],
    usage: Mapping[tuple[int, str, date], int],
    through: date | None = None,
) -> RatedInvoice:
    """One issuer's month. `days`: SSD-days per MNO; `usage`: (MNO, kind, usage month) ->
    quantity billed into `month`. With `through`, a month-to-date estimate (no onboarding,
    no late usage)."""
    rated = RatedInvoice(issuer=issuer, month=month, agreement=agreement_for(issuer, month))
    if rated.agreement is None:
        rated.problems.append(f"No resale agreement in force in {month:%B %Y}.")
        return rated
    on_time: dict[str, dict[int, int]] = defaultdict(dict)
    late: dict[date, dict[tuple[int, str], int]] = defaultdict(dict)
    for (mno_id, kind, usage_month), quantity in usage.items():
        charge = CHARGED_USAGE.get(kind)
        if charge is None or not quantity:
            continue
        if usage_month == month:
            on_time[charge][mno_id] = on_time[charge].get(mno_id, 0) + quantity
        elif through is None:
            late[usage_month][(mno_id, charge)] = quantity
    ssd_weights = {m: d for m, d in days.items() if d}
    first_invoice = not Invoice.objects.filter(
        agreement=rated.agreement, month__lt=month, status=DocumentStatus.ISSUED
    ).exists()
    quantities = {
        ChargeKind.ACTIVE_SSD_MONTH: ssd_months(sum(ssd_weights.values()), month),
        ChargeKind.ONBOARDING: int(first_invoice and through is None),
        **{charge: sum(by_mno.values()) for charge, by_mno in on_time.items()},
    }
    try:
        rated.quote = price_plan_quote(
            plan=rated.agreement.price_plan,
            month=month,
            quantities=quantities,
            platform_volume=max(volume, quantities[ChargeKind.ACTIVE_SSD_MONTH]),
        )
    except CommercialError as error:
        rated.problems.append(error.message)
        return rated
    for line in rated.quote.lines:
        if not line.quantity:
            continue
        weights: Mapping[int | None, int]
        if line.kind == ChargeKind.ACTIVE_SSD_MONTH:
            weights = ssd_weights
        elif line.kind in on_time:
            weights = on_time[line.kind]
        else:
            weights = {None: 1}
        rated.lines.extend(_network_lines(line, LineType.CHARGE, month, weights, line.label))
    if late:
        rated.lines.extend(_late_lines(rated, late))
    return rated
