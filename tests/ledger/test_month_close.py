"""Draft, review, issue; a second close changes nothing; issued documents never change."""

from datetime import date
from decimal import Decimal

import pytest

from billing.documents import DocumentStatus
from billing.invoices import Invoice, InvoiceLine
from billing.invoices_close import billing_month_close, billing_month_issue
from billing.ledger import BillingMonth, UsageKind
from billing.settlements import Settlement, SettlementLine
from enstream.audit.models import AuditEntry
from issuers.errors import CommercialError
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.factories import record
from tests.ledger.scenario import OCTOBER, maple_october


def _issue_october(cast: Cast) -> None:
    result = billing_month_close(month=OCTOBER, actor=cast.finance)
    billing_month_issue(month=OCTOBER, actor=cast.finance, revision=result.revision)


def test_finance_issues_the_revision_it_reviewed(cast: Cast, world: World) -> None:
    maple_october(world)
    draft = billing_month_close(month=OCTOBER, actor=cast.finance)

    result = billing_month_issue(month=OCTOBER, actor=cast.finance, revision=draft.revision)

    assert result.outcome == "issued"
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == ["INV-000001", "INV-000002"]
    assert Invoice.objects.get(issuer=world.maple).number == "INV-000001"  # Maple before Prairie
    assert set(Settlement.objects.values_list("status", flat=True)) == {DocumentStatus.ISSUED}
    assert BillingMonth.objects.get(month=OCTOBER).is_issued
    assert AuditEntry.objects.filter(action="invoice.issue").count() == 2


def test_closing_an_issued_month_again_changes_nothing_and_says_so(
    cast: Cast, world: World
) -> None:
    maple_october(world)
    _issue_october(cast)
    before = list(Invoice.objects.values_list("pk", "number", "total", "updated_at"))
    record(world.maple, world.northwind, UsageKind.LIFECYCLE_OPERATION, date(2026, 10, 30))

    result = billing_month_close(month=OCTOBER, actor=cast.finance)

    assert result.outcome == "already_issued"
    assert "nothing changed" in result.message
    assert list(Invoice.objects.values_list("pk", "number", "total", "updated_at")) == before


def test_a_close_run_twice_before_issue_keeps_its_revision(cast: Cast, world: World) -> None:
    maple_october(world)
    first = billing_month_close(month=OCTOBER, actor=cast.finance)

    again = billing_month_close(month=OCTOBER, actor=cast.finance)

    assert (again.outcome, again.revision) == ("unchanged", first.revision)


def test_usage_arriving_after_the_review_stops_the_issue(cast: Cast, world: World) -> None:
    maple_october(world)
    reviewed = billing_month_close(month=OCTOBER, actor=cast.finance)
    record(world.maple, world.northwind, UsageKind.LIFECYCLE_OPERATION, date(2026, 10, 31))

    result = billing_month_issue(month=OCTOBER, actor=cast.finance, revision=reviewed.revision)

    assert result.outcome == "changed"
    assert result.revision == reviewed.revision + 1
    assert not Invoice.objects.filter(status=DocumentStatus.ISSUED).exists()
    assert Invoice.objects.get(issuer=world.maple).subtotal == Decimal("9740.05")


def test_a_stale_revision_is_refused(cast: Cast, world: World) -> None:
    maple_october(world)
    billing_month_close(month=OCTOBER, actor=cast.finance)

    with pytest.raises(CommercialError) as caught:
        billing_month_issue(month=OCTOBER, actor=cast.finance, revision=0)
    assert caught.value.code == "stale_revision"


def test_drafts_with_problems_are_not_issued(cast: Cast, world: World) -> None:
    maple_october(world)
    world.prairie.billing_profile.delete()
    draft = billing_month_close(month=OCTOBER, actor=cast.finance)

    with pytest.raises(CommercialError) as caught:
        billing_month_issue(month=OCTOBER, actor=cast.finance, revision=draft.revision)
    assert caught.value.code == "drafts_have_problems"
    assert "Prairie" in caught.value.message


@pytest.mark.parametrize("who", ["maple_admin", "operations", "account_manager"])
def test_only_finance_closes_and_issues(cast: Cast, world: World, who: str) -> None:
    with pytest.raises(CommercialError) as caught:
        billing_month_close(month=OCTOBER, actor=getattr(cast, who))
    assert caught.value.status == 403


def test_an_issued_invoice_and_its_lines_cannot_change(cast: Cast, world: World) -> None:
    maple_october(world)
    _issue_october(cast)
    invoice = Invoice.objects.get(issuer=world.maple)
    line = invoice.lines.first()

    invoice.total = Decimal("1.00")
    line.amount = Decimal("1.00")
    attempts = [
        invoice.save,
        invoice.delete,
        line.save,
        line.delete,
        lambda: Invoice.objects.filter(pk=invoice.pk).update(total=1),
        lambda: InvoiceLine.objects.filter(invoice=invoice).update(amount=1),
        lambda: InvoiceLine.objects.filter(invoice=invoice).delete(),
        lambda: Settlement.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(CommercialError) as caught:
            attempt()
        assert caught.value.code == "document_issued"
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("11006.20")


def test_an_issued_statement_and_its_lines_cannot_change(cast: Cast, world: World) -> None:
    maple_october(world)
    _issue_october(cast)
    statement = Settlement.objects.get(mno=world.northwind)
    line = statement.lines.first()
    total = statement.total

    statement.total = Decimal("1.00")
    line.amount = Decimal("1.00")
    for attempt, refusal in [
        (statement.save, f"Statement {statement.number} is issued"),
        (statement.delete, f"Statement {statement.number} is issued"),
        (line.save, "This statement's line is issued"),
        (line.delete, "This statement's line is issued"),
        (
            lambda: SettlementLine.objects.filter(settlement=statement).update(amount=1),
            "This statement's line is issued",
        ),
    ]:
        with pytest.raises(CommercialError) as caught:
            attempt()
        assert (caught.value.code, caught.value.status) == ("document_issued", 409)
        assert caught.value.message.startswith(refusal)
    assert Settlement.objects.get(pk=statement.pk).total == total


def test_issuing_numbers_dates_and_signs_each_statement(cast: Cast, world: World) -> None:
    maple_october(world)
    _issue_october(cast)

    statement = Settlement.objects.get(mno=world.northwind)
    assert statement.number.startswith("STL-")
    assert (statement.statement_date, statement.issued_by) == (date(2026, 11, 28), cast.finance)
    entry = AuditEntry.objects.get(action="settlement.issue", object_id=str(statement.pk))
    assert entry.changes == {"number": statement.number, "month": "2026-10"}
