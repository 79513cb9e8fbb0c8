"""Rating: what a month's quantities cost under a set of charges and shared-cost bands.

Pure functions over plain data, with no database access, so that the quote service, the
price-plan editor's worked example (on unsaved input) and, later, invoicing all rate the same
way. Tier edges are inclusive: a tier `up_to=1000` holds units 1..1000. A band
`from_volume=100000` applies when the platform volume is 100000 or more.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models

from billing.money import AMOUNT_PLACES, round_amount, round_unit_price
from issuers.errors import CommercialError

HUNDRED = Decimal(100)


class ChargeKind(models.TextChoices):
    ACTIVE_SSD_MONTH = "active_ssd_month", "Active SSD per month"
    CREDENTIAL_PROVISIONED = "credential_provisioned", "Credential provisioned"
    LIFECYCLE_OPERATION = "lifecycle_operation", "Lifecycle operation"
    ONBOARDING = "onboarding", "Onboarding (one-off)"


class PricingModel(models.TextChoices):
    FLAT = "flat", "Flat: one unit price"
    GRADUATED = "graduated", "Graduated: each tier at its own price"
    VOLUME = "volume", "Volume: every unit at the reached tier's price"


@dataclass(frozen=True)
class TierSpec:
    up_to: int | None
    unit_price: Decimal


@dataclass(frozen=True)
class ChargeSpec:
    kind: str
    model: str
    tiers: tuple[TierSpec, ...]
    shares_platform_discount: bool = True


@dataclass(frozen=True)
class BandSpec:
    from_volume: int
    discount_percent: Decimal


@dataclass(frozen=True)
class TierLine:
    first_unit: int
    last_unit: int | None
    quantity: int
    list_unit_price: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class QuoteLine:
    kind: str
    label: str
    model: str
    quantity: int
    discount_percent: Decimal
    tiers: tuple[TierLine, ...]
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    currency: str
    platform_volume: int
    band: BandSpec | None
    lines: tuple[QuoteLine, ...]
    total: Decimal
    plan_code: str = ""
    plan_name: str = ""
    version: int | None = None
    month: date | None = None

    def line(self, kind: str) -> QuoteLine:
        return next(line for line in self.lines if line.kind == kind)


def _check_price(value: Decimal, field_name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise CommercialError(
            "invalid_price", "A price must be a decimal number.", field=field_name
        )
    if value < 0:
        raise CommercialError("negative_price", "A price cannot be negative.", field=field_name)
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise CommercialError(
            "too_many_decimals", "A unit price has at most 4 decimal places.", field=field_name
        )


def validate_charges(charges: Sequence[ChargeSpec]) -> None:
    seen: set[str] = set()
    for charge in charges:
        where = f"charges.{charge.kind}"
        if charge.kind not in ChargeKind.values:
            raise CommercialError(
                "unknown_charge", f"No such charge: {charge.kind!r}.", field=where
            )
        if charge.kind in seen:
            raise CommercialError(
                "duplicate_charge", f"{ChargeKind(charge.kind).label} is priced twice.", field=where
            )
        seen.add(charge.kind)
        if charge.model not in PricingModel.values:
            raise CommercialError(
                "unknown_pricing_model", f"No such pricing model: {charge.model!r}.", field=where
            )
        _validate_tiers(charge, where)


def _validate_tiers(charge: ChargeSpec, where: str) -> None:
    tiers = charge.tiers
    label = ChargeKind(charge.kind).label
    if not tiers:
        raise CommercialError("no_tiers", f"{label} needs at least one price.", field=where)
    if charge.model == PricingModel.FLAT and len(tiers) != 1:
        raise CommercialError(
            "flat_needs_one_price", f"{label} is flat: give exactly one unit price.", field=where
        )
    if tiers[-1].up_to is not None:
        raise CommercialError(
            "last_tier_bounded", f"{label}: the last tier must have no upper limit.", field=where
        )
    previous = 0
    for tier in tiers:
        _check_price(tier.unit_price, where)
        if tier is tiers[-1]:
            break
        if tier.up_to is None or tier.up_to <= previous:
            raise CommercialError(
                "tiers_out_of_order",
                f"{label}: each tier's upper limit must be above the previous one's "
                f"({previous}); only the last tier is unlimited.",
                field=where,
            )
        previous = tier.up_to


def validate_bands(bands: Sequence[BandSpec]) -> None:
    if not bands:
        return
    if bands[0].from_volume != 0:
        raise CommercialError(
            "bands_must_start_at_zero",
            "The first shared-cost band must start at a platform volume of 0.",
            field="bands",
        )
    previous: BandSpec | None = None
    for band in bands:
        discount = band.discount_percent
        if not isinstance(discount, Decimal) or not Decimal(0) <= discount < HUNDRED:
            raise CommercialError(
                "invalid_discount", "A discount is a percentage from 0 up to 100.", field="bands"
            )
        if discount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise CommercialError(
                "too_many_decimals", "A discount has at most 2 decimal places.", field="bands"
            )
        if previous is not None:
            if band.from_volume <= previous.from_volume:
                raise CommercialError(
                    "bands_out_of_order",
                    "Shared-cost bands must start at increasing platform volumes.",
                    field="bands",
                )
            if discount < previous.discount_percent:
                raise CommercialError(
                    "discount_decreases",
                    "A larger platform volume cannot lower the discount: the platform's scale "
                    "benefit only grows.",
                    field="bands",
                )
        previous = band


def band_for(bands: Iterable[BandSpec], platform_volume: int) -> BandSpec | None:
    reached = None
    for band in bands:
        if platform_volume >= band.from_volume:
            reached = band
    return reached


def _tier_line(first: int, tier: TierSpec, quantity: int, discount: Decimal) -> TierLine:
    unit_price = tier.unit_price
    if discount:
        unit_price = round_unit_price(unit_price * (HUNDRED - discount) / HUNDRED)
    return TierLine(
        first_unit=first,
        last_unit=tier.up_to,
        quantity=quantity,
        list_unit_price=tier.unit_price,
        unit_price=unit_price,
        amount=unit_price * quantity,
    )


def rate_charge(charge: ChargeSpec, quantity: int, discount_percent: Decimal) -> QuoteLine:
    """One charge line: the units split over tiers (graduated) or all at the reached tier
    (flat, volume), each tier at its price after the shared-cost discount."""
    discount = discount_percent if charge.shares_platform_discount else Decimal(0)
    lines: list[TierLine] = []
    lower = 0
    remaining = quantity
    for tier in charge.tiers:
        if remaining == 0:
            break
        upper = tier.up_to
        if charge.model == PricingModel.GRADUATED:
            units = remaining if upper is None else min(remaining, upper - lower)
            lines.append(_tier_line(lower + 1, tier, units, discount))
            remaining -= units
        elif upper is None or quantity <= upper:
            lines.append(_tier_line(lower + 1, tier, quantity, discount))
            remaining = 0
        lower = upper or lower
    amount = round_amount(sum((line.amount for line in lines), Decimal(0)))
    return QuoteLine(
        kind=charge.kind,
        label=ChargeKind(charge.kind).label,
        model=charge.model,
        quantity=quantity,
        discount_percent=discount,
        tiers=tuple(lines),
        amount=amount,
    )


def _check_quantities(quantities: Mapping[str, int], platform_volume: int) -> None:
    for kind, quantity in quantities.items():
        if kind not in ChargeKind.values:
            raise CommercialError("unknown_charge", f"No such charge: {kind!r}.", field=kind)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise CommercialError(
                "invalid_quantity", "A quantity is a whole number, 0 or more.", field=kind
            )
    if isinstance(platform_volume, bool) or not isinstance(platform_volume, int):
        raise CommercialError(
            "invalid_quantity", "The platform volume is a whole number.", field="platform_volume"
        )
    own = quantities.get(ChargeKind.ACTIVE_SSD_MONTH, 0)
    if platform_volume < own:
        raise CommercialError(
            "platform_volume_too_small",
            f"The platform volume ({platform_volume}) counts every issuer's active SSDs, so it "
            f"cannot be below this issuer's own ({own}).",
            field="platform_volume",
        )


def quote(
    *,
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec],
    quantities: Mapping[str, int],
    platform_volume: int,
    currency: str,
) -> Quote:
    """Rate every charge of the plan for one month. A charge missing from `quantities` is
    rated at zero; a quantity for a charge the plan does not price costs nothing."""
    _check_quantities(quantities, platform_volume)
    band = band_for(bands, platform_volume)
    discount = band.discount_percent if band else Decimal(0)
    order = {kind: position for position, kind in enumerate(ChargeKind.values)}
    lines = tuple(
        rate_charge(charge, quantities.get(charge.kind, 0), discount)
        for charge in sorted(charges, key=lambda c: order[c.kind])
    )
    total = sum((line.amount for line in lines), Decimal(0)).quantize(AMOUNT_PLACES)
    return Quote(
        currency=currency, platform_volume=platform_volume, band=band, lines=lines, total=total
    )
