"""Rating against tables computed by hand (docs/commercial-model.md shows the same numbers).

The standard plan: active SSDs graduated 1-10,000 at 0.25, 10,001-50,000 at 0.20, then 0.15;
credentials provisioned by volume: up to 1,000 at 1.50, up to 10,000 at 1.20, then 0.90;
lifecycle operations flat at 0.05; onboarding flat 5,000 (no platform discount); platform
bands: from 0 no discount, from 100,000 5%, from 250,000 12.5%.
"""

from decimal import Decimal

import pytest

from billing.pricing import (
    BandSpec,
    ChargeKind,
    ChargeSpec,
    PricingModel,
    Quote,
    TierSpec,
    quote,
    rate_charge,
    validate_bands,
)
from issuers.errors import CommercialError
from tests.billing.factories import STANDARD_BANDS, STANDARD_CHARGES

D = Decimal
SSD, CRED, LIFE, ONBOARD = (
    ChargeKind.ACTIVE_SSD_MONTH,
    ChargeKind.CREDENTIAL_PROVISIONED,
    ChargeKind.LIFECYCLE_OPERATION,
    ChargeKind.ONBOARDING,
)


def standard_quote(platform_volume: int, **quantities: int) -> Quote:
    return quote(
        charges=STANDARD_CHARGES,
        bands=STANDARD_BANDS,
        quantities=quantities,
        platform_volume=platform_volume,
        currency="CAD",
    )


@pytest.mark.parametrize(
    ("ssds", "amount"),
    [
        (0, "0.00"),
        (1, "0.25"),
        (9_999, "2499.75"),
        (10_000, "2500.00"),  # exactly the first edge: all at 0.25
        (10_001, "2500.20"),  # the 10,001st unit is the first at 0.20
        (50_000, "10500.00"),  # 2,500 + 40,000 x 0.20
        (50_001, "10500.15"),
        (75_000, "14250.00"),  # 10,500 + 25,000 x 0.15
    ],
)
def test_graduated_tiers_price_each_unit_at_its_own_tier(ssds: int, amount: str) -> None:
    line = standard_quote(ssds, active_ssd_month=ssds).line(SSD)

    assert line.amount == D(amount)


def test_a_graduated_line_shows_the_units_in_each_tier() -> None:
    line = standard_quote(75_000, active_ssd_month=75_000).line(SSD)

    assert [(t.first_unit, t.last_unit, t.quantity, t.amount) for t in line.tiers] == [
        (1, 10_000, 10_000, D("2500.0000")),
        (10_001, 50_000, 40_000, D("8000.0000")),
        (50_001, None, 25_000, D("3750.0000")),
    ]


@pytest.mark.parametrize(
    ("credentials", "unit_price", "amount"),
    [
        (0, None, "0.00"),
        (1, "1.5000", "1.50"),
        (1_000, "1.5000", "1500.00"),  # exactly the edge: still the first tier
        (1_001, "1.2000", "1201.20"),  # one more and every unit drops to 1.20
        (10_000, "1.2000", "12000.00"),
        (10_001, "0.9000", "9000.90"),
        (15_000, "0.9000", "13500.00"),
    ],
)
def test_volume_tiers_price_every_unit_at_the_reached_tier(
    credentials: int, unit_price: str | None, amount: str
) -> None:
    line = standard_quote(0, credential_provisioned=credentials).line(CRED)

    assert line.amount == D(amount)
    assert [t.unit_price for t in line.tiers] == ([D(unit_price)] if unit_price else [])
    assert sum(t.quantity for t in line.tiers) == credentials


# One issuer's month (12,345 active SSDs, 2,000 credentials, 3,333 lifecycle operations)
# down a table of platform volumes: the band, and so every unit price, changes mid-table.
SHARED_COST_TABLE = [
    # platform, discount, SSD line, credential line, lifecycle line, total
    (12_345, "0", "2969.00", "2400.00", "166.65", "5535.65"),
    (99_999, "0", "2969.00", "2400.00", "166.65", "5535.65"),
    (100_000, "5", "2820.55", "2280.00", "158.32", "5258.87"),  # band edge
    (249_999, "5", "2820.55", "2280.00", "158.32", "5258.87"),
    (250_000, "12.5", "2598.38", "2100.00", "145.99", "4844.37"),  # band edge
    (1_000_000, "12.5", "2598.38", "2100.00", "145.99", "4844.37"),
]


@pytest.mark.parametrize(
    ("platform", "discount", "ssd_amount", "cred_amount", "life_amount", "total"),
    SHARED_COST_TABLE,
)
def test_the_platform_volume_lowers_every_unit_price(
    platform: int, discount: str, ssd_amount: str, cred_amount: str, life_amount: str, total: str
) -> None:
    result = standard_quote(
        platform, active_ssd_month=12_345, credential_provisioned=2_000, lifecycle_operation=3_333
    )

    assert result.band is not None
    assert result.band.discount_percent == D(discount)
    assert result.line(SSD).amount == D(ssd_amount)
    assert result.line(CRED).amount == D(cred_amount)
    assert result.line(LIFE).amount == D(life_amount)
    assert result.total == D(total)


def test_discounted_unit_prices_are_rounded_to_four_places_half_up() -> None:
    result = standard_quote(250_000, active_ssd_month=12_345, lifecycle_operation=3_333)

    ssd_tiers = result.line(SSD).tiers
    assert [t.unit_price for t in ssd_tiers] == [D("0.2188"), D("0.1750")]  # 0.21875, 0.175
    assert [t.list_unit_price for t in ssd_tiers] == [D("0.2500"), D("0.2000")]
    assert result.line(LIFE).tiers[0].unit_price == D("0.0438")  # 0.04375


def test_a_unit_price_ending_in_a_half_rounds_up_not_to_even() -> None:
    charge = ChargeSpec(LIFE, PricingModel.FLAT, (TierSpec(None, D("0.0300")),))

    line = rate_charge(charge, 1, D("12.5"))

    assert line.tiers[0].unit_price == D("0.0263")  # 0.02625: half-even would give 0.0262


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [(1, "0.01"), (3, "0.02"), (5, "0.03"), (7, "0.04")],  # half-even: 0.00, 0.02, 0.02, 0.04
)
def test_a_line_amount_ending_in_half_a_cent_rounds_up(quantity: int, amount: str) -> None:
    charge = ChargeSpec(LIFE, PricingModel.FLAT, (TierSpec(None, D("0.0050")),))

    assert rate_charge(charge, quantity, D(0)).amount == D(amount)


def test_a_line_is_rounded_once_not_tier_by_tier() -> None:
    charge = ChargeSpec(
        LIFE,
        PricingModel.GRADUATED,
        (TierSpec(1, D("0.0040")), TierSpec(None, D("0.0040"))),
    )

    line = rate_charge(charge, 2, D(0))

    # Tier by tier each 0.004 would round to 0.00; the line's 0.008 rounds to 0.01.
    assert [t.amount for t in line.tiers] == [D("0.0040"), D("0.0040")]
    assert line.amount == D("0.01")


def test_onboarding_does_not_share_the_platform_discount() -> None:
    result = standard_quote(250_000, onboarding=1)

    assert result.line(ONBOARD).amount == D("5000.00")
    assert result.line(ONBOARD).discount_percent == D(0)


def test_a_month_with_no_usage_costs_nothing_and_still_lists_every_charge() -> None:
    result = standard_quote(0)

    assert [line.kind for line in result.lines] == [SSD, CRED, LIFE, ONBOARD]
    assert all(line.amount == D("0.00") and not line.tiers for line in result.lines)
    assert result.total == D("0.00")


def test_amounts_are_decimals_never_floats() -> None:
    result = standard_quote(300_000, active_ssd_month=123_457, credential_provisioned=77)

    values = [result.total] + [line.amount for line in result.lines]
    values += [t.unit_price for line in result.lines for t in line.tiers]
    assert all(isinstance(value, Decimal) for value in values)
    assert result.total == sum(line.amount for line in result.lines)


def test_without_bands_there_is_no_discount() -> None:
    result = quote(
        charges=STANDARD_CHARGES,
        bands=(),
        quantities={SSD: 10},
        platform_volume=10_000_000,
        currency="CAD",
    )

    assert result.band is None
    assert result.line(SSD).amount == D("2.50")


@pytest.mark.parametrize(
    ("quantities", "platform", "code", "field"),
    [
        ({SSD: -1}, 0, "invalid_quantity", SSD),
        ({CRED: 1.5}, 0, "invalid_quantity", CRED),
        ({"gigabytes": 3}, 0, "unknown_charge", "gigabytes"),
        ({SSD: 500}, 499, "platform_volume_too_small", "platform_volume"),
        ({}, -1, "platform_volume_too_small", "platform_volume"),
    ],
)
def test_bad_quantities_are_refused_with_a_code(
    quantities: dict, platform: int, code: str, field: str
) -> None:
    with pytest.raises(CommercialError) as refused:
        standard_quote(platform, **quantities)

    assert refused.value.code == code
    assert refused.value.field == field


def test_a_band_table_with_a_falling_discount_is_refused() -> None:
    with pytest.raises(CommercialError) as refused:
        validate_bands([BandSpec(0, D("5")), BandSpec(1_000, D("2"))])

    assert refused.value.code == "discount_decreases"
