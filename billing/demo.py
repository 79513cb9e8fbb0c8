"""Demo price plans: the standard shared-cost plan (with a second version from next month)
and a small-issuer plan. Safe to run twice."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import PricePlan
from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, TierSpec
from billing.services import price_plan_create, price_plan_new_version
from issuers.demo_support import demo_actor, say

D = Decimal
_ONBOARDING = ChargeSpec(
    ChargeKind.ONBOARDING,
    PricingModel.FLAT,
    (TierSpec(None, D("5000.0000")),),
    shares_platform_discount=False,
)
STANDARD = [
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
    _ONBOARDING,
]
STANDARD_BANDS = [BandSpec(0, D("0")), BandSpec(100_000, D("5")), BandSpec(250_000, D("12.5"))]
# From next month the platform's growth is shared further: a fourth band.
STANDARD_V2_BANDS = [*STANDARD_BANDS, BandSpec(500_000, D("20"))]
SMALL = [
    ChargeSpec(ChargeKind.ACTIVE_SSD_MONTH, PricingModel.FLAT, (TierSpec(None, D("0.3000")),)),
    ChargeSpec(
        ChargeKind.CREDENTIAL_PROVISIONED, PricingModel.FLAT, (TierSpec(None, D("1.7500")),)
    ),
    ChargeSpec(ChargeKind.LIFECYCLE_OPERATION, PricingModel.FLAT, (TierSpec(None, D("0.0600")),)),
    _ONBOARDING,
]


def _next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def seed(*, stdout: Any) -> None:
    with transaction.atomic():
        _seed(stdout)


def _seed(stdout: Any) -> None:
    actor = demo_actor()
    today = timezone.localdate()
    since = date(today.year - 1, 1, 1)
    if not PricePlan.objects.filter(code="standard").exists():
        plan = price_plan_create(
            actor=actor,
            code="standard",
            name="Standard shared-cost",
            effective_from=since,
            charges=STANDARD,
            bands=STANDARD_BANDS,
            description="Graduated SSD pricing, volume-priced provisioning, platform bands.",
        )
        price_plan_new_version(
            plan=plan,
            actor=actor,
            effective_from=_next_month(today),
            charges=STANDARD,
            bands=STANDARD_V2_BANDS,
            note="A 20% band from 500,000 platform SSDs",
        )
        say(stdout, "price plan Standard shared-cost (2 versions)")
    if not PricePlan.objects.filter(code="small-issuer").exists():
        price_plan_create(
            actor=actor,
            code="small-issuer",
            name="Small issuer",
            effective_from=since,
            charges=SMALL,
            bands=STANDARD_BANDS,
        )
        say(stdout, "price plan Small issuer")
