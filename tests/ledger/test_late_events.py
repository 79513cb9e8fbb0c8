"""Late usage: into the open month; for an invoiced month, into the next invoice as an
adjustment, never into the closed invoice."""

from datetime import date
from decimal import Decimal

from billing.documents import LineType
from billing.invoices import Invoice
from billing.invoices_close import billing_month_close, billing_month_issue
from billing.ledger import UsageEvent, UsageKind
from billing.settlements import Settlement
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.factories import profile, record

SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)


def _issue(cast: Cast, month: date) -> None:
    draft = billing_month_close(month=month, actor=cast.finance)
    assert billing_month_issue(
        month=month, actor=cast.finance, revision=draft.revision
    ).outcome == ("issued")


def _september(world: World) -> None:
    profile(world.maple, "ON")
    profile(world.prairie, "NS")
    record(
        world.maple,
        world.northwind,
        UsageKind.CREDENTIAL_PROVISIONED,
        date(2026, 9, 10),
        quantity=900,
    )


def test_a_late_event_of_an_open_month_lands_in_that_month(cast: Cast, world: World) -> None:
    _september(world)

    event = record(world.maple, world.northwind, UsageKind.LIFECYCLE_OPERATION, date(2026, 9, 29))

    assert event.billed_month == SEPTEMBER
    assert not event.late


def test_an_event_of_an_invoiced_month_goes_to_the_next_invoice_as_an_adjustment(
    cast: Cast, world: World
) -> None:
    _september(world)
    _issue(cast, SEPTEMBER)
    september = Invoice.objects.get(issuer=world.maple, month=SEPTEMBER)
    frozen = (september.total, list(september.lines.values_list("amount", flat=True)))

    late = record(
        world.maple,
        world.northwind,
        UsageKind.CREDENTIAL_PROVISIONED,
        date(2026, 9, 25),
        quantity=200,
    )
    billing_month_close(month=OCTOBER, actor=cast.finance)

    assert late.billed_month == OCTOBER
    assert UsageEvent.objects.get(pk=late.pk).late
    september.refresh_from_db()
    assert (september.total, list(september.lines.values_list("amount", flat=True))) == frozen
    october = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    adjustment = october.lines.get(line_type=LineType.ADJUSTMENT)
    # September re-rated with the late 200: 1,100 x 1.20 = 1,320.00 instead of 900 x 1.50 =
    # 1,350.00; crossing the volume tier makes the late usage a 30.00 credit.
    assert adjustment.usage_month == SEPTEMBER
    assert adjustment.quantity == 200
    assert adjustment.amount == Decimal("-30.00")
    assert "late usage of September 2026" in adjustment.label


def test_late_flat_usage_is_charged_at_its_months_price(cast: Cast, world: World) -> None:
    _september(world)
    _issue(cast, SEPTEMBER)

    record(
        world.maple, world.northwind, UsageKind.LIFECYCLE_OPERATION, date(2026, 9, 30), quantity=40
    )
    billing_month_close(month=OCTOBER, actor=cast.finance)

    october = Invoice.objects.get(issuer=world.maple, month=OCTOBER)
    assert october.lines.get(line_type=LineType.ADJUSTMENT).amount == Decimal("2.00")
    assert not october.lines.filter(charge_kind="onboarding").exists()


def test_an_event_of_two_invoiced_months_ago_goes_to_the_first_open_month(
    cast: Cast, world: World
) -> None:
    _september(world)
    _issue(cast, SEPTEMBER)
    _issue(cast, OCTOBER)

    late = record(world.maple, world.lakeshore, UsageKind.OTA_OPERATION, date(2026, 9, 2))

    assert late.billed_month == date(2026, 11, 1)


def test_the_mno_statement_carries_late_operations_as_adjustments(cast: Cast, world: World) -> None:
    _september(world)
    _issue(cast, SEPTEMBER)
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, date(2026, 9, 30), quantity=100)

    billing_month_close(month=OCTOBER, actor=cast.finance)

    line = Settlement.objects.get(mno=world.northwind, month=OCTOBER).lines.get(
        line_type=LineType.ADJUSTMENT
    )
    assert (line.item, line.usage_month, line.quantity, line.amount) == (
        "ota_operation",
        SEPTEMBER,
        100,
        Decimal("1.50"),
    )
