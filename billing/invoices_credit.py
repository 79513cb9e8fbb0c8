"""Credit notes: the only way to correct an issued invoice."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.documents import DocumentStatus
from billing.invoices import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from billing.invoices_close import next_number
from billing.money import round_amount
from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.errors import CommercialError
from issuers.transitions import require

CENT = Decimal("0.01")


def creditable(line: InvoiceLine) -> Decimal:
    """What is left to credit on a line: its amount less the credit notes already on it."""
    credited = line.credit_lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return max(line.amount - credited, Decimal(0))


def _amount(value: Any, line: InvoiceLine) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise CommercialError(
            "invalid_amount",
            f"Line {line.position}: give an amount such as 12.50.",
            field=f"lines.{line.pk}",
        ) from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise CommercialError(
            "invalid_amount",
            f"Line {line.position}: a credit is a positive amount in cents.",
            field=f"lines.{line.pk}",
        )
    left = creditable(line)
    if amount > left:
        raise CommercialError(
            "credit_exceeds_line",
            f"Line {line.position} ({line.label}) has {left} left to credit, not {amount}.",
            field=f"lines.{line.pk}",
        )
    return amount


@transaction.atomic
def credit_note_issue(
    *, invoice: Invoice, actor: Any, reason: str, amounts: Mapping[int, Any]
) -> CreditNote:
    """Credit `amounts` (invoice line id -> amount before tax) of an issued invoice, with the
    invoice's tax rate. The last note that credits everything gives back exactly the tax
    that is left, so rounding never leaves or takes a cent."""
    require(actor, Perm.BILLING_CLOSE, "issue a credit note")
    if not reason or not reason.strip():
        raise CommercialError("reason_required", "Give the reason for the credit.", field="reason")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != DocumentStatus.ISSUED:
        raise CommercialError(
            "invoice_not_issued",
            "Only an issued invoice is corrected by a credit note; a "
            "draft is corrected by closing the month again.",
            status=409,
        )
    lines = {line.pk: line for line in invoice.lines.all()}
    chosen = {}
    for line_id, value in amounts.items():
        line = lines.get(int(line_id))
        if line is None:
            raise CommercialError(
                "unknown_line", "That line is not on this invoice.", field=f"lines.{line_id}"
            )
        chosen[line] = _amount(value, line)
    if not chosen:
        raise CommercialError("nothing_to_credit", "Credit at least one line.", field="lines")
    subtotal = sum(chosen.values(), Decimal("0.00"))
    left_after = sum(creditable(line) for line in lines.values()) - subtotal
    if left_after <= 0:
        given = invoice.credit_notes.aggregate(t=Sum("tax_amount"))["t"] or Decimal(0)
        tax = invoice.tax_amount - given
    else:
        tax = round_amount(subtotal * invoice.tax_rate)
    note = CreditNote.objects.create(
        invoice=invoice,
        number=next_number("CN"),
        reason=reason.strip(),
        note_date=timezone.localdate(),
        currency=invoice.currency,
        subtotal=subtotal,
        tax_amount=tax,
        total=subtotal + tax,
        issued_by=actor,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(credit_note=note, invoice_line=line, amount=amount)
        for line, amount in chosen.items()
    )
    audit_record(
        action="credit_note.issue",
        obj=note,
        actor=actor,
        changes={
            "invoice": invoice.number,
            "total": str(note.total),
            "reason": note.reason,
        },
    )
    return note
