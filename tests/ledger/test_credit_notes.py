"""Corrections only by credit notes, with a reason, numbered without gaps."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, transaction

from billing.invoices import CreditNote, Invoice
from billing.invoices_close import billing_month_close, billing_month_issue, next_number
from billing.invoices_credit import credit_note_issue
from billing.pricing import ChargeKind
from enstream.audit.models import AuditEntry
from issuers.errors import CommercialError
from tests.cast import Cast
from tests.issuers.factories import World
from tests.ledger.scenario import OCTOBER, maple_october

D = Decimal


@pytest.fixture
def invoice(cast: Cast, world: World) -> Invoice:
    maple_october(world)
    draft = billing_month_close(month=OCTOBER, actor=cast.finance)
    billing_month_issue(month=OCTOBER, actor=cast.finance, revision=draft.revision)
    return Invoice.objects.get(issuer=world.maple, month=OCTOBER)


def test_a_credit_note_gives_back_part_of_a_line_with_its_tax(cast: Cast, invoice: Invoice) -> None:
    onboarding = invoice.lines.get(charge_kind=ChargeKind.ONBOARDING)

    note = credit_note_issue(
        invoice=invoice,
        actor=cast.finance,
        reason="Onboarding discounted by agreement amendment 2",
        amounts={onboarding.pk: "1000.00"},
    )

    assert (note.number, note.subtotal, note.tax_amount, note.total) == (
        "CN-000001",
        D("1000.00"),
        D("130.00"),
        D("1130.00"),
    )
    assert AuditEntry.objects.filter(action="credit_note.issue", object_id=str(note.pk)).exists()
    invoice.refresh_from_db()
    assert invoice.total == D("11006.20")  # the invoice itself never changes


def test_crediting_everything_returns_exactly_the_invoiced_tax(
    cast: Cast, invoice: Invoice
) -> None:
    lines = list(invoice.lines.all())
    first = credit_note_issue(
        invoice=invoice,
        actor=cast.finance,
        reason="Billed in error",
        amounts={line.pk: line.amount for line in lines[:3]},
    )
    last = credit_note_issue(
        invoice=invoice,
        actor=cast.finance,
        reason="Billed in error",
        amounts={line.pk: line.amount for line in lines[3:]},
    )

    assert first.subtotal + last.subtotal == invoice.subtotal
    assert first.tax_amount + last.tax_amount == invoice.tax_amount
    assert last.number == "CN-000002"


@pytest.mark.parametrize(
    ("reason", "amount", "code"),
    [
        ("", "10.00", "reason_required"),
        ("Too much", "5000.01", "credit_exceeds_line"),
        ("Too much", "-1", "invalid_amount"),
        ("Too much", "0.001", "invalid_amount"),
        ("Too much", "lots", "invalid_amount"),
    ],
)
def test_a_credit_note_needs_a_reason_and_an_amount_the_line_can_give(
    cast: Cast, invoice: Invoice, reason: str, amount: str, code: str
) -> None:
    onboarding = invoice.lines.get(charge_kind=ChargeKind.ONBOARDING)
    with pytest.raises(CommercialError) as caught:
        credit_note_issue(
            invoice=invoice, actor=cast.finance, reason=reason, amounts={onboarding.pk: amount}
        )
    assert caught.value.code == code
    assert not CreditNote.objects.exists()


def test_an_issuer_cannot_credit_itself(cast: Cast, invoice: Invoice) -> None:
    line = invoice.lines.first()
    with pytest.raises(CommercialError) as caught:
        credit_note_issue(
            invoice=invoice, actor=cast.maple_admin, reason="please", amounts={line.pk: "1.00"}
        )
    assert caught.value.status == 403


def test_a_credit_note_cannot_change(cast: Cast, invoice: Invoice) -> None:
    line = invoice.lines.first()
    note = credit_note_issue(
        invoice=invoice, actor=cast.finance, reason="Goodwill", amounts={line.pk: "1.00"}
    )
    note.reason = "Something else"
    with pytest.raises(CommercialError):
        note.save()
    with pytest.raises(CommercialError):
        CreditNote.objects.filter(pk=note.pk).update(reason="x")
    with pytest.raises(CommercialError):
        note.delete()


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_gapless_when_many_issue_at_once_and_one_rolls_back() -> None:
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def issue(index: int) -> None:
        start.wait()
        try:
            with transaction.atomic():
                number = next_number("TST")
                if index == 3:
                    raise RuntimeError("the issuing transaction failed")
            with lock:
                taken.append(number)
        except RuntimeError:
            pass
        finally:
            close_old_connections()

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(taken) == [f"TST-{n:06d}" for n in range(1, 8)]
