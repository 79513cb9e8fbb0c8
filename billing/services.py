"""Price plans: create, version, quote. Invoicing will quote through `price_plan_quote` too."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import PriceCharge, PricePlan, PricePlanVersion, PriceTier, SharedCostBand
from billing.money import DEFAULT_CURRENCY
from billing.pricing import BandSpec, ChargeSpec, Quote, quote, validate_bands, validate_charges
from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.errors import CommercialError
from issuers.transitions import require, save_as


def _month_start(day: date, field: str) -> date:
    if day.day != 1:
        raise CommercialError(
            "effective_from_not_month_start",
            f"Prices change on the first day of a month, not on {day}.",
            field=field,
        )
    return day


def _write_version(
    *,
    plan: PricePlan,
    number: int,
    effective_from: date,
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec],
    actor: Any,
    note: str,
) -> PricePlanVersion:
    validate_charges(charges)
    validate_bands(bands)
    version = PricePlanVersion(
        plan=plan, number=number, effective_from=effective_from, note=note, created_by=actor
    )
    save_as(version, actor)
    for spec in charges:
        charge = PriceCharge.objects.create(
            version=version,
            kind=spec.kind,
            model=spec.model,
            shares_platform_discount=spec.shares_platform_discount,
        )
        PriceTier.objects.bulk_create(
            PriceTier(charge=charge, position=i, up_to=t.up_to, unit_price=t.unit_price)
            for i, t in enumerate(spec.tiers)
        )
    SharedCostBand.objects.bulk_create(
        SharedCostBand(
            version=version, from_volume=b.from_volume, discount_percent=b.discount_percent
        )
        for b in bands
    )
    audit_record(
        action="price_plan.version",
        obj=version,
        actor=actor,
        changes={
            "plan": plan.code,
            "version": number,
            "effective_from": str(effective_from),
            "charges": [f"{c.kind}:{c.model}" for c in charges],
            "bands": len(bands),
        },
    )
    return version


@transaction.atomic
def price_plan_create(
    *,
    actor: Any,
    code: str,
    name: str,
    effective_from: date,
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec] = (),
    currency: str = DEFAULT_CURRENCY,
    description: str = "",
) -> PricePlan:
    """A new plan with its first version, effective from the first day of a month."""
    require(actor, Perm.PRICE_PLANS_MANAGE, "create a price plan")
    if PricePlan.objects.filter(code=code).exists():
        raise CommercialError("code_taken", f"A price plan with code {code} exists.", field="code")
    plan = PricePlan(
        code=code, name=name, currency=currency, description=description, created_by=actor
    )
    save_as(plan, actor)
    _write_version(
        plan=plan,
        number=1,
        effective_from=_month_start(effective_from, "effective_from"),
        charges=charges,
        bands=bands,
        actor=actor,
        note="First version",
    )
    return plan


@transaction.atomic
def price_plan_new_version(
    *,
    plan: PricePlan,
    actor: Any,
    effective_from: date,
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec] = (),
    note: str = "",
) -> PricePlanVersion:
    """New prices from the first day of a month after the latest version's, and not before
    the current month: a month already billed keeps the prices it was billed at."""
    require(actor, Perm.PRICE_PLANS_MANAGE, "change a price plan")
    plan = PricePlan.objects.select_for_update().get(pk=plan.pk)
    _month_start(effective_from, "effective_from")
    latest = plan.versions.order_by("-number").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise CommercialError(
            "version_not_after_latest",
            f"Version {latest.number} takes effect on {latest.effective_from}; a new version "
            "must start later.",
            field="effective_from",
        )
    if effective_from < timezone.localdate().replace(day=1):
        raise CommercialError(
            "effective_from_in_past",
            "Prices of a past month cannot change.",
            field="effective_from",
        )
    return _write_version(
        plan=plan,
        number=(latest.number if latest else 0) + 1,
        effective_from=effective_from,
        charges=charges,
        bands=bands,
        actor=actor,
        note=note,
    )


def price_plan_version_quote(
    *, version: PricePlanVersion, quantities: Mapping[str, int], platform_volume: int
) -> Quote:
    """One version's charges for a month's quantities (by ChargeKind) and the platform-wide
    volume of active SSDs: each charge line by line, with its tier breakdown."""
    result = quote(
        charges=version.charge_specs(),
        bands=version.band_specs(),
        quantities=quantities,
        platform_volume=platform_volume,
        currency=version.plan.currency,
    )
    return replace(
        result, plan_code=version.plan.code, plan_name=version.plan.name, version=version.number
    )


def price_plan_quote(
    *, plan: PricePlan, month: date, quantities: Mapping[str, int], platform_volume: int
) -> Quote:
    """The month's charges under the plan version in effect on the month's first day."""
    first_day = month.replace(day=1)
    version = plan.version_on(first_day)
    if version is None:
        raise CommercialError(
            "price_plan_not_in_effect",
            f"Price plan {plan} has no version in effect in {first_day:%B %Y}.",
            field="month",
        )
    result = price_plan_version_quote(
        version=version, quantities=quantities, platform_volume=platform_volume
    )
    return replace(result, month=first_day)
