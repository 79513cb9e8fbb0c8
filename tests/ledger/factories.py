"""Ledger test helpers: secure elements, events, snapshots and billing profiles."""

import importlib
from datetime import date, datetime, time
from decimal import Decimal
from itertools import count

from django.db import transaction
from django.utils import timezone

from billing.invoices import BillingProfile
from billing.ledger import UsageEvent, UsageSnapshot
from billing.ledger_services import usage_record
from billing.tax import TaxRate
from issuers.models import Issuer
from mno.identifiers import luhn_check_digit
from mno.models import MNO, SecureElement

_serial = count(1)


def secure_element(mno: MNO) -> SecureElement:
    body = f"8930250{next(_serial):011d}"
    return SecureElement.objects.create(iccid=body + luhn_check_digit(body), mno=mno)


def at(day: date, hour: int = 12) -> datetime:
    """Noon local time on `day`: far from midnight, so the day is never in doubt."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def record(
    issuer: Issuer,
    mno: MNO,
    kind: str,
    day: date,
    *,
    quantity: int = 1,
    key: str | None = None,
) -> UsageEvent | None:
    with transaction.atomic():
        return usage_record(
            idempotency_key=key or f"test:{next(_serial)}",
            issuer=issuer,
            mno=mno,
            kind=kind,
            quantity=quantity,
            occurred_at=at(day),
        )


def snapshot_days(
    issuer: Issuer, mno: MNO, first: date, last: date, *, ssds: int, bytes_per_ssd: int = 40_000
) -> None:
    """The same count of active SSDs every day from `first` to `last` (both included)."""
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(
            day=date.fromordinal(ordinal),
            issuer=issuer,
            mno=mno,
            active_ssds=ssds,
            bytes_used=ssds * bytes_per_ssd,
            allocated_ssds=max(ssds, 1_000),
            allocated_bytes=max(ssds, 1_000) * bytes_per_ssd,
        )
        for ordinal in range(first.toordinal(), last.toordinal() + 1)
    )


def profile(issuer: Issuer, province: str = "ON") -> BillingProfile:
    profile, _ = BillingProfile.objects.update_or_create(
        issuer=issuer, defaults={"province": province}
    )
    return profile


def seed_tax_rates() -> None:
    """The GST/HST rows the migration seeds: a transactional test elsewhere flushes them."""
    seeded = importlib.import_module("billing.migrations.0003_tax_rates")
    for province, label, rate, effective_from, source in seeded.RATES:
        TaxRate.objects.get_or_create(
            province=province,
            effective_from=effective_from,
            defaults={"label": label, "rate": Decimal(rate), "source": source},
        )
