"""Invoice totals against hand-computed cases (tests/ledger/scenario.py explains the figures)."""

from datetime import date
from decimal import Decimal

import pytest

from billing.invoices import Invoice
from billing.invoices_close import billing_month_close
from billing.pricing import ChargeKind
from billing.settlements import Settlement
from issuers.errors import CommercialError
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.scenario import OCTOBER, maple_october, prairie_october

D = Decimal


def _lines(invoice: Invoice) -> dict[tuple[str, str | None], tuple[int, Decimal]]:
    return {
        (line.charge_kind, line.mno.short_code if line.mno else None): (line.quantity, line.amount)
        for line in invoice.lines.select_related("mno")
    }


def test_a_month_rates_graduated_volume_flat_and_a_network_phased_in_mid_month(
    cast: Cast, world: World
) -> None:
    maple_october(world)

    result = billing_month_close(month=OCTOBER, actor=cast.finance)

    assert result.outcome == "drafted"
    invoice = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    assert _lines(invoice) == {
        (ChargeKind.ACTIVE_SSD_MONTH, "NWM"): (12_000, D("2844.44")),
        (ChargeKind.ACTIVE_SSD_MONTH, "LKW"): (1_500, D("355.56")),
        (ChargeKind.CREDENTIAL_PROVISIONED, "NWM"): (700, D("840.00")),
        (ChargeKind.CREDENTIAL_PROVISIONED, "LKW"): (500, D("600.00")),
        (ChargeKind.LIFECYCLE_OPERATION, "NWM"): (2_000, D("100.00")),
        (ChargeKind.ONBOARDING, None): (1, D("5000.00")),
    }
    assert (invoice.subtotal, invoice.tax_label, invoice.tax_amount, invoice.total) == (
        D("9740.00"),
        "HST",
        D("1266.20"),
        D("11006.20"),
    )
    assert invoice.platform_volume == 13_500
    assert invoice.discount_percent == 0


def test_the_graduated_tiers_are_shown_on_every_network_line(cast: Cast, world: World) -> None:
    maple_october(world)
    billing_month_close(month=OCTOBER, actor=cast.finance)

    line = Invoice.objects.get(issuer=world.maple).lines.get(
        charge_kind=ChargeKind.ACTIVE_SSD_MONTH, mno=world.lakeshore
    )
    assert [(t["first"], t["last"], t["quantity"], t["amount"]) for t in line.tiers] == [
        (1, 10_000, 10_000, "2500.00"),
        (10_001, 50_000, 3_500, "700.00"),
    ]
    assert line.unit_price == D("0.2370")


def test_the_platform_volume_of_every_issuer_lowers_everyones_prices(
    cast: Cast, world: World
) -> None:
    maple_october(world)
    prairie_october(world)

    billing_month_close(month=OCTOBER, actor=cast.finance)

    maple = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    assert maple.platform_volume == 113_500
    assert maple.discount_percent == D("5.00")
    # 10,000 x 0.2375 + 3,500 x 0.19; 1,200 x 1.14; 2,000 x 0.0475; onboarding undiscounted.
    assert maple.subtotal == D("3040.00") + D("1368.00") + D("95.00") + D("5000.00")
    prairie = Invoice.objects.get(issuer=world.prairie, month=OCTOBER)
    # 10,000 x 0.2375 + 40,000 x 0.19 + 50,000 x 0.1425 + onboarding; 14% HST in Nova Scotia.
    assert (prairie.subtotal, prairie.tax_rate, prairie.tax_amount, prairie.total) == (
        D("22100.00"),
        D("0.1400"),
        D("3094.00"),
        D("25194.00"),
    )


def test_gst_only_in_quebec(cast: Cast, world: World) -> None:
    maple_october(world)
    world.maple.billing_profile.province = "QC"
    world.maple.billing_profile.save()

    billing_month_close(month=OCTOBER, actor=cast.finance)

    invoice = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    assert (invoice.tax_label, invoice.tax_amount, invoice.total) == (
        "GST",
        D("487.00"),
        D("10227.00"),
    )


def test_the_mno_statement_pays_wholesale_prices_line_by_line(cast: Cast, world: World) -> None:
    maple_october(world)

    billing_month_close(month=OCTOBER, actor=cast.finance)

    statement = Settlement.objects.get(mno=world.northwind, month=OCTOBER)
    assert [(x.item, x.quantity, x.unit_price, x.amount) for x in statement.lines.all()] == [
        ("active_ssd_month", 12_000, D("0.0800"), D("960.00")),
        ("credential_provisioned", 700, D("0.3500"), D("245.00")),
        ("ota_operation", 5_000, D("0.0150"), D("75.00")),
    ]
    assert statement.total == D("1280.00")
    lakeshore = Settlement.objects.get(mno=world.lakeshore, month=OCTOBER)
    assert lakeshore.total == D("1500") * D("0.08") + D("500") * D("0.35")


def test_an_issuer_without_a_billing_province_is_flagged_not_guessed(
    cast: Cast, world: World
) -> None:
    maple_october(world)
    world.maple.billing_profile.delete()

    result = billing_month_close(month=OCTOBER, actor=cast.finance)

    invoice = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    assert invoice.tax_amount == 0
    assert any("province" in problem for problem in result.problems)


def test_a_month_that_is_not_over_cannot_be_closed(cast: Cast, world: World) -> None:
    with pytest.raises(CommercialError) as caught:
        billing_month_close(month=date(2026, 11, 1), actor=cast.finance)
    assert caught.value.code == "month_not_over"
