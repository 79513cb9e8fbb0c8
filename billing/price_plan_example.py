"""The price-plan editor's worked example: what a plan charges at several volumes, each
tiered charge rated both graduated and volume, and how the shared-cost bands lower the bill
as the platform grows.

Every figure comes from billing.pricing.quote, the rating that `price_plan_quote` and
invoicing use, so the example cannot disagree with a bill. It rates unsaved input too: the
editor shows the example before the plan is saved.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, Quote, quote


@dataclass(frozen=True)
class VolumeRow:
    quantity: int
    platform_volume: int
    discount_percent: Decimal
    amounts: tuple[Decimal, ...]
    total: Decimal


@dataclass(frozen=True)
class ModelComparison:
    """One tiered charge rated both ways at every example volume."""

    label: str
    model: str
    rows: tuple[tuple[int, Decimal, Decimal], ...]


@dataclass(frozen=True)
class BandRow:
    from_volume: int
    discount_percent: Decimal
    totals: tuple[Decimal, ...]


@dataclass(frozen=True)
class WorkedExample:
    currency: str
    volumes: tuple[int, ...]
    platform_volume: int
    labels: tuple[str, ...]
    rows: tuple[VolumeRow, ...]
    comparisons: tuple[ModelComparison, ...]
    one_off: tuple[tuple[str, Decimal], ...]
    bands: tuple[BandRow, ...]


def _rate(
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec],
    quantity: int,
    platform_volume: int,
    currency: str,
) -> Quote:
    # The platform's volume counts this issuer's SSDs too, so it is never below them.
    return quote(
        charges=charges,
        bands=bands,
        quantities={charge.kind: quantity for charge in charges},
        platform_volume=max(platform_volume, quantity),
        currency=currency,
    )


def worked_example(
    *,
    charges: Sequence[ChargeSpec],
    bands: Sequence[BandSpec],
    currency: str,
    volumes: Sequence[int],
    platform_volume: int,
) -> WorkedExample:
    """Each example volume is used as the month's quantity of every monthly charge (active
    SSDs, credentials provisioned, lifecycle operations); one-off charges are shown once."""
    monthly = [c for c in charges if c.kind != ChargeKind.ONBOARDING]
    one_off = [c for c in charges if c.kind == ChargeKind.ONBOARDING]
    rows = []
    for quantity in volumes:
        result = _rate(monthly, bands, quantity, platform_volume, currency)
        rows.append(
            VolumeRow(
                quantity=quantity,
                platform_volume=result.platform_volume,
                discount_percent=result.band.discount_percent if result.band else Decimal(0),
                amounts=tuple(line.amount for line in result.lines),
                total=result.total,
            )
        )
    comparisons = []
    for charge in monthly:
        if len(charge.tiers) < 2:
            continue  # one price: graduated and volume are the same thing
        both = [replace(charge, model=m) for m in (PricingModel.GRADUATED, PricingModel.VOLUME)]
        comparisons.append(
            ModelComparison(
                label=ChargeKind(charge.kind).label,
                model=PricingModel(charge.model).label.split(":")[0],
                rows=tuple(
                    (
                        q,
                        *(
                            _rate([spec], bands, q, platform_volume, currency).total
                            for spec in both
                        ),
                    )
                    for q in volumes
                ),
            )
        )
    once = _rate(one_off, bands, 1, platform_volume, currency) if one_off else None
    return WorkedExample(
        currency=currency,
        volumes=tuple(volumes),
        platform_volume=platform_volume,
        labels=tuple(ChargeKind(c.kind).label for c in _ordered(monthly)),
        rows=tuple(rows),
        comparisons=tuple(comparisons),
        one_off=tuple((line.label, line.amount) for line in once.lines) if once else (),
        bands=tuple(
            BandRow(
                from_volume=band.from_volume,
                discount_percent=band.discount_percent,
                totals=tuple(
                    _rate(monthly, bands, q, band.from_volume, currency).total for q in volumes
                ),
            )
            for band in bands
        ),
    )


def _ordered(charges: Sequence[ChargeSpec]) -> list[ChargeSpec]:
    """In the order a quote lists its lines."""
    order = {kind: position for position, kind in enumerate(ChargeKind.values)}
    return sorted(charges, key=lambda c: order[c.kind])
