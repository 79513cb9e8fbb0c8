"""Rating what EnStream owes an MNO for a month, at the wholesale prices of the agreement in
force in the month the usage happened (no tiers: wholesale prices are flat)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.documents import LineType
from billing.invoices_rating import ssd_months
from billing.ledger import UsageKind, month_end
from billing.money import round_amount
from billing.settlements import SettlementItem
from mno.models import MNO, WholesaleAgreement

# What EnStream pays an MNO for, per usage kind, and the wholesale price field.
SETTLED_USAGE: dict[str, tuple[str, str]] = {
    UsageKind.OTA_OPERATION: (SettlementItem.OTA_OPERATION, "price_per_ota_operation"),
    UsageKind.CREDENTIAL_PROVISIONED: (
        SettlementItem.CREDENTIAL_PROVISIONED,
        "price_per_credential_provisioned",
    ),
}


@dataclass
class RatedStatement:
    mno: MNO
    month: date
    agreement: WholesaleAgreement | None
    lines: list[tuple[str, str, date, int, Decimal, Decimal]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line[5] for line in self.lines), Decimal("0.00"))


def wholesale_for(mno: MNO, month: date) -> WholesaleAgreement | None:
    return (
        WholesaleAgreement.objects.filter(mno=mno, starts_on__lte=month_end(month))
        .filter(ends_on__gte=month)
        .order_by("-starts_on")
        .first()
    )


def rate_mno(
    *, mno: MNO, month: date, ssd_day_total: int, usage: Mapping[tuple[str, date], int]
) -> RatedStatement:
    """What EnStream owes one MNO for `month`: SSD months and operations at the wholesale
    prices of the month they happened in; late operations as adjustment lines."""
    rated = RatedStatement(mno=mno, month=month, agreement=wholesale_for(mno, month))
    if rated.agreement is None:
        rated.problems.append(f"No wholesale agreement with {mno} in force in {month:%B %Y}.")
        return rated
    ssd_quantity = ssd_months(ssd_day_total, month)
    if ssd_quantity:
        price = rated.agreement.price_per_active_ssd_month
        rated.lines.append(
            (
                LineType.CHARGE,
                SettlementItem.ACTIVE_SSD_MONTH,
                month,
                ssd_quantity,
                price,
                round_amount(price * ssd_quantity),
            )
        )
    for (kind, usage_month), quantity in sorted(usage.items(), key=lambda i: (i[0][1], i[0][0])):
        if kind not in SETTLED_USAGE or not quantity:
            continue
        item, price_field = SETTLED_USAGE[kind]
        terms = rated.agreement if usage_month == month else wholesale_for(mno, usage_month)
        if terms is None:
            rated.problems.append(f"No wholesale agreement for {usage_month:%B %Y} usage.")
            continue
        price = getattr(terms, price_field)
        line_type = LineType.CHARGE if usage_month == month else LineType.ADJUSTMENT
        rated.lines.append(
            (line_type, item, usage_month, quantity, price, round_amount(price * quantity))
        )
    return rated
