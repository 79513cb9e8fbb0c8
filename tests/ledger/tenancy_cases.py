"""Tenancy-walk cases for the billing pages (registered into tests/tenancy_registry.py)."""

from datetime import timedelta

from django.utils import timezone

from billing.invoices import Invoice
from billing.invoices_close import billing_month_close, billing_month_issue
from billing.invoices_credit import credit_note_issue
from billing.ledger import UsageKind, month_start
from billing.settlements import Settlement
from tests.cast import Cast
from tests.issuers.factories import World, build_world
from tests.ledger.factories import profile, record, seed_tax_rates
from tests.tenancy_registry import EXCLUDED, Case, _also, tenancy_case

EXCLUDED["billing_reports:credit_note_create"] = (
    "EnStream finance only (Perm.BILLING_CLOSE): no tenant role passes the permission check, "
    "so there is no tenant scoping to prove; tests/ledger covers the 403"
)


def _issued_last_month(cast: Cast) -> World:
    seed_tax_rates()
    world = build_world(cast)
    last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    profile(world.maple, "ON")
    profile(world.prairie, "NS")
    record(world.maple, world.lakeshore, UsageKind.OTA_OPERATION, last_month, quantity=5)
    draft = billing_month_close(month=last_month, actor=cast.finance)
    billing_month_issue(month=last_month, actor=cast.finance, revision=draft.revision)
    return world


@_also(
    "billing_reports:invoice_detail",
    "billing_reports:invoice_pdf",
    "billing_reports:invoice_csv",
)
def _invoice(cast: Cast) -> Case:
    world = _issued_last_month(cast)
    invoice = Invoice.objects.get(issuer=world.maple)
    return {"pk": invoice.pk}, [cast.prairie_admin, cast.outsider], cast.maple_admin


@tenancy_case("billing_reports:credit_note_pdf")
def _credit_note(cast: Cast) -> Case:
    world = _issued_last_month(cast)
    invoice = Invoice.objects.get(issuer=world.maple)
    line = invoice.lines.first()
    note = credit_note_issue(
        invoice=invoice, actor=cast.finance, reason="goodwill", amounts={line.pk: "1.00"}
    )
    return {"pk": note.pk}, [cast.prairie_admin, cast.outsider], cast.maple_admin


@_also(
    "billing_reports:settlement_detail",
    "billing_reports:settlement_pdf",
    "billing_reports:settlement_csv",
)
def _settlement(cast: Cast) -> Case:
    # Lakeshore's statement: Northwind's staff read their own, never another network's.
    world = _issued_last_month(cast)
    statement = Settlement.objects.get(mno=world.lakeshore)
    return {"pk": statement.pk}, [cast.northwind_viewer], cast.finance


@tenancy_case("billing_reports:issuer_report")
def _issuer_report(cast: Cast) -> Case:
    world = build_world(cast)
    return (
        {"pk": world.maple.pk},
        [cast.prairie_admin, cast.outsider, cast.northwind_viewer],
        cast.maple_viewer,
    )


@tenancy_case("billing_reports:mno_report")
def _mno_report(cast: Cast) -> Case:
    world = build_world(cast)
    return {"pk": world.lakeshore.pk}, [cast.northwind_viewer, cast.maple_admin], cast.finance
