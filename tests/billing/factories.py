from datetime import date
from decimal import Decimal

import factory

from billing.models import PriceCharge, PricePlan, PricePlanVersion, PriceTier, SharedCostBand
from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, TierSpec

D = Decimal

# The plan every hand-computed table in tests/billing uses (docs/commercial-model.md too).
STANDARD_CHARGES = (
    ChargeSpec(
        ChargeKind.ACTIVE_SSD_MONTH,
        PricingModel.GRADUATED,
        (TierSpec(10_000, D("0.2500")), TierSpec(50_000, D("0.2000")), TierSpec(None, D("0.1500"))),
    ),
    ChargeSpec(
        ChargeKind.CREDENTIAL_PROVISIONED,
        PricingModel.VOLUME,
        (TierSpec(1_000, D("1.5000")), TierSpec(10_000, D("1.2000")), TierSpec(None, D("0.9000"))),
    ),
    ChargeSpec(ChargeKind.LIFECYCLE_OPERATION, PricingModel.FLAT, (TierSpec(None, D("0.0500")),)),
    ChargeSpec(
        ChargeKind.ONBOARDING,
        PricingModel.FLAT,
        (TierSpec(None, D("5000.0000")),),
        shares_platform_discount=False,
    ),
)
STANDARD_BANDS = (
    BandSpec(0, D("0")),
    BandSpec(100_000, D("5")),
    BandSpec(250_000, D("12.5")),
)


class PricePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricePlan

    code = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")


def add_version(
    plan: PricePlan,
    *,
    number: int = 1,
    effective_from: date = date(2020, 1, 1),
    charges: tuple[ChargeSpec, ...] = STANDARD_CHARGES,
    bands: tuple[BandSpec, ...] = STANDARD_BANDS,
) -> PricePlanVersion:
    version = PricePlanVersion.objects.create(
        plan=plan, number=number, effective_from=effective_from
    )
    for spec in charges:
        charge = PriceCharge.objects.create(
            version=version,
            kind=spec.kind,
            model=spec.model,
            shares_platform_discount=spec.shares_platform_discount,
        )
        for position, tier in enumerate(spec.tiers):
            PriceTier.objects.create(
                charge=charge, position=position, up_to=tier.up_to, unit_price=tier.unit_price
            )
    for band in bands:
        SharedCostBand.objects.create(
            version=version, from_volume=band.from_volume, discount_percent=band.discount_percent
        )
    return version


def standard_plan(**kwargs: object) -> PricePlan:
    plan = PricePlanFactory(**kwargs)
    add_version(plan)
    return plan
