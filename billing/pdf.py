"""Invoices, credit notes and settlement statements as PDF (ReportLab, pure Python).

A statement's PDF is built from the statement alone: no issuer price can appear on it because
nothing in its inputs carries one.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from billing.invoices import CreditNote, Invoice
from billing.settlements import Settlement

_STYLES = getSampleStyleSheet()
_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _p(text: str, style: str = "Normal") -> Paragraph:
    # Names come from people (legal names, reasons): escaped, never read as markup.
    return Paragraph(escape(text), _STYLES[style])


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    table = Table([[str(c) for c in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(_GRID)
    return table


def _render(title: str, story: Iterable[Flowable]) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=title,
        author="EnStream",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(list(story))
    return buffer.getvalue()


def _totals(rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(list(rows), colWidths=[140 * mm, 40 * mm])
    table.setStyle(
        TableStyle(
            [("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONT", (0, 0), (-1, -1), "Helvetica-Bold", 9)]
        )
    )
    return table


def invoice_pdf(invoice: Invoice) -> bytes:
    heading = f"Invoice {invoice.number}" if invoice.number else "Draft invoice (not issued)"
    story: list[Flowable] = [
        _p(f"EnStream: {heading}", "Title"),
        _p(f"Billed to: {invoice.issuer.legal_name} ({invoice.province or 'no province'})"),
        _p(f"Period: {invoice.month:%B %Y}. Date: {invoice.invoice_date:%Y-%m-%d}."),
        _p(
            f"Price plan: {invoice.plan_name} v{invoice.plan_version or '-'}; platform volume "
            f"{invoice.platform_volume:,} active SSDs; shared-cost discount "
            f"{invoice.discount_percent}%."
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [["Charge", "Network", "Usage month", "Qty", "Unit price", "Amount"]]
    for line in invoice.lines.select_related("mno"):
        rows.append(
            [
                _p(line.label),
                line.mno.name if line.mno else "All networks",
                f"{line.usage_month:%Y-%m}",
                f"{line.quantity:,}",
                line.unit_price,
                _money(line.amount),
            ]
        )
        for tier in line.tiers:
            last = f"{tier['last']:,}" if tier["last"] else "and up"
            rows.append(
                [
                    f"   tier {tier['first']:,} to {last}: {tier['quantity']:,} x "
                    f"{tier['unit_price']}",
                    "",
                    "",
                    "",
                    "",
                    tier["amount"],
                ]
            )
    story.append(_table(rows, [70 * mm, 32 * mm, 20 * mm, 18 * mm, 20 * mm, 22 * mm]))
    story.append(Spacer(1, 4 * mm))
    tax = f"{invoice.tax_label or 'Tax'} {invoice.tax_rate * 100:.3f}%".rstrip("0").rstrip(".")
    story.append(
        _totals(
            [
                ("Subtotal", _money(invoice.subtotal)),
                (tax, _money(invoice.tax_amount)),
                (f"Total ({invoice.currency})", _money(invoice.total)),
            ]
        )
    )
    return _render(heading, story)


def credit_note_pdf(note: CreditNote) -> bytes:
    heading = f"Credit note {note.number}"
    rows: list[list[Any]] = [["Invoice line", "Credited"]]
    rows += [
        [_p(line.invoice_line.label), _money(line.amount)]
        for line in note.lines.select_related("invoice_line")
    ]
    story: list[Flowable] = [
        _p(f"EnStream: {heading}", "Title"),
        _p(
            f"Credited to: {note.invoice.issuer.legal_name}. Against invoice {note.invoice.number}."
        ),
        _p(f"Date: {note.note_date:%Y-%m-%d}. Reason: {note.reason}"),
        Spacer(1, 4 * mm),
        _table(rows, [140 * mm, 40 * mm]),
        Spacer(1, 4 * mm),
        _totals(
            [
                ("Subtotal", _money(note.subtotal)),
                (note.invoice.tax_label or "Tax", _money(note.tax_amount)),
                (f"Total credited ({note.currency})", _money(note.total)),
            ]
        ),
    ]
    return _render(heading, story)


def settlement_pdf(settlement: Settlement) -> bytes:
    heading = (
        f"Settlement statement {settlement.number}"
        if settlement.number
        else "Draft settlement statement (not issued)"
    )
    rows: list[list[Any]] = [["Item", "Type", "Usage month", "Qty", "Wholesale price", "Amount"]]
    rows += [
        [
            line.get_item_display(),
            line.get_line_type_display(),
            f"{line.usage_month:%Y-%m}",
            f"{line.quantity:,}",
            line.unit_price,
            _money(line.amount),
        ]
        for line in settlement.lines.all()
    ]
    agreement = settlement.wholesale_agreement
    story: list[Flowable] = [
        _p(f"EnStream: {heading}", "Title"),
        _p(f"Owed to: {settlement.mno.name}, under {agreement.reference if agreement else '-'}."),
        _p(f"Period: {settlement.month:%B %Y}. Date: {settlement.statement_date:%Y-%m-%d}."),
        _p("Amounts before tax: the MNO's own tax invoice carries GST/HST."),
        Spacer(1, 4 * mm),
        _table(rows, [50 * mm, 25 * mm, 22 * mm, 25 * mm, 28 * mm, 30 * mm]),
        Spacer(1, 4 * mm),
        _totals([(f"Total owed ({settlement.currency})", _money(settlement.total))]),
    ]
    return _render(heading, story)
