from datetime import date
from decimal import Decimal

import pytest
import time_machine

from billing.models import PricePlan
from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, TierSpec
from billing.services import price_plan_create, price_plan_new_version, price_plan_quote
from issuers.errors import CommercialError
from tests.billing.factories import STANDARD_BANDS, STANDARD_CHARGES
from tests.cast import Cast
from tests.issuers.helpers import CAST, local_noon

D = Decimal
PLAN_WRITERS = {"enstream_admin", "account_manager", "finance"}
FLAT_SSD = ChargeSpec(ChargeKind.ACTIVE_SSD_MONTH, PricingModel.FLAT, (TierSpec(None, D("0.30")),))


def _create(cast: Cast, **overrides: object) -> PricePlan:
    arguments = {
        "actor": cast.finance,
        "code": "standard",
        "name": "Standard",
        "effective_from": date(2025, 1, 1),
        "charges": STANDARD_CHARGES,
        "bands": STANDARD_BANDS,
    } | overrides
    return price_plan_create(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("who", CAST)
def test_only_account_managers_finance_and_admins_create_price_plans(cast: Cast, who: str) -> None:
    if who in PLAN_WRITERS:
        plan = _create(cast, actor=getattr(cast, who))
        assert plan.versions.get().number == 1
    else:
        with pytest.raises(CommercialError) as refused:
            _create(cast, actor=getattr(cast, who))
        assert refused.value.code == "permission_denied"


def test_a_plan_is_stored_with_its_charges_tiers_and_bands(cast: Cast) -> None:
    plan = _create(cast)

    version = plan.versions.get()
    assert version.charge_specs() == list(STANDARD_CHARGES)
    assert version.band_specs() == list(STANDARD_BANDS)
    assert version.created_by == cast.finance


@pytest.mark.parametrize(
    ("charges", "bands", "code"),
    [
        ([], (), None),  # a plan may price nothing yet
        (
            [
                ChargeSpec(
                    ChargeKind.ACTIVE_SSD_MONTH,
                    PricingModel.GRADUATED,
                    (TierSpec(100, D("1")), TierSpec(100, D("0.5")), TierSpec(None, D("0.1"))),
                )
            ],
            (),
            "tiers_out_of_order",
        ),
        (
            [
                ChargeSpec(
                    ChargeKind.ACTIVE_SSD_MONTH,
                    PricingModel.VOLUME,
                    (TierSpec(100, D("1")), TierSpec(1000, D("0.5"))),
                )
            ],
            (),
            "last_tier_bounded",
        ),
        (
            [
                ChargeSpec(
                    ChargeKind.ACTIVE_SSD_MONTH,
                    PricingModel.FLAT,
                    (TierSpec(100, D("1")), TierSpec(None, D("0.5"))),
                )
            ],
            (),
            "flat_needs_one_price",
        ),
        (
            [ChargeSpec(ChargeKind.ONBOARDING, PricingModel.FLAT, (TierSpec(None, D("-1")),))],
            (),
            "negative_price",
        ),
        (
            [ChargeSpec(ChargeKind.ONBOARDING, PricingModel.FLAT, (TierSpec(None, D("0.00001")),))],
            (),
            "too_many_decimals",
        ),
        ([FLAT_SSD, FLAT_SSD], (), "duplicate_charge"),
        ([FLAT_SSD], [BandSpec(10, D("1"))], "bands_must_start_at_zero"),
        ([FLAT_SSD], [BandSpec(0, D("0")), BandSpec(0, D("1"))], "bands_out_of_order"),
        ([FLAT_SSD], [BandSpec(0, D("100"))], "invalid_discount"),
    ],
)
def test_a_malformed_plan_is_refused_with_a_code(
    cast: Cast, charges: list, bands: list, code: str | None
) -> None:
    if code is None:
        assert _create(cast, charges=charges, bands=bands).versions.count() == 1
        return
    with pytest.raises(CommercialError) as refused:
        _create(cast, charges=charges, bands=bands)
    assert refused.value.code == code
    assert not PricePlan.objects.exists()


def test_prices_change_only_on_the_first_of_a_month(cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        _create(cast, effective_from=date(2025, 1, 15))

    assert refused.value.code == "effective_from_not_month_start"


@time_machine.travel(local_noon(date(2025, 6, 10)), tick=False)
def test_a_new_version_starts_after_the_latest_and_not_in_a_past_month(cast: Cast) -> None:
    plan = _create(cast)
    price_plan_new_version(
        plan=plan, actor=cast.finance, effective_from=date(2025, 8, 1), charges=[FLAT_SSD]
    )

    with pytest.raises(CommercialError) as not_after:
        price_plan_new_version(
            plan=plan, actor=cast.finance, effective_from=date(2025, 7, 1), charges=[FLAT_SSD]
        )
    with pytest.raises(CommercialError) as past:
        price_plan_new_version(
            plan=_create(cast, code="other"),
            actor=cast.finance,
            effective_from=date(2025, 5, 1),
            charges=[FLAT_SSD],
        )

    assert not_after.value.code == "version_not_after_latest"
    assert past.value.code == "effective_from_in_past"
    assert list(plan.versions.values_list("number", flat=True)) == [2, 1]


@time_machine.travel(local_noon(date(2025, 6, 10)), tick=False)
def test_a_quote_uses_the_version_in_effect_in_that_month(cast: Cast) -> None:
    plan = _create(cast)
    price_plan_new_version(
        plan=plan, actor=cast.finance, effective_from=date(2025, 7, 1), charges=[FLAT_SSD]
    )
    quantities = {ChargeKind.ACTIVE_SSD_MONTH: 1_000}

    june = price_plan_quote(
        plan=plan, month=date(2025, 6, 30), quantities=quantities, platform_volume=1_000
    )
    july = price_plan_quote(
        plan=plan, month=date(2025, 7, 1), quantities=quantities, platform_volume=1_000
    )

    assert (june.version, june.month, june.total) == (1, date(2025, 6, 1), D("250.00"))
    assert (july.version, july.month, july.total) == (2, date(2025, 7, 1), D("300.00"))
    assert july.plan_code == "standard"


def test_a_month_before_the_first_version_cannot_be_quoted(cast: Cast) -> None:
    plan = _create(cast)

    with pytest.raises(CommercialError) as refused:
        price_plan_quote(plan=plan, month=date(2024, 12, 1), quantities={}, platform_volume=0)

    assert refused.value.code == "price_plan_not_in_effect"


def test_every_price_plan_change_is_in_its_history_with_who_and_when(cast: Cast) -> None:
    plan = _create(cast, actor=cast.account_manager)

    created = plan.history.get()
    version = plan.versions.get().history.get()
    assert created.history_user == cast.account_manager
    assert created.history_type == "+"
    assert version.history_user == cast.account_manager
    assert created.history_date is not None
