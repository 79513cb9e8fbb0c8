"""Invoice, credit note and settlement pages and downloads, and finance's month close.

Invoices: issuer admins (their own, once issued) and EnStream finance. Statements: MNO staff
(their own, once issued) and EnStream finance. Another tenant's document answers 404.
"""

from datetime import date

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from billing import tables
from billing.invoices import BillingProfile, CreditNote, Invoice
from billing.invoices_close import billing_month_close, billing_month_issue
from billing.invoices_credit import credit_note_issue, creditable
from billing.invoices_profiles import billing_profile_set
from billing.ledger import BillingMonth
from billing.pdf import credit_note_pdf, invoice_pdf, settlement_pdf
from billing.reports_csv import csv_response
from billing.settlements import Settlement
from billing.tax import Province
from enstream.accounts.roles import Perm, has_perm
from enstream.portal.access import perm_required
from enstream.tenancy import get_for_user_or_404
from issuers.errors import CommercialError
from issuers.models import Issuer
from issuers.views.listing import ListPage


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stem(document: Invoice | Settlement, kind: str) -> str:
    return document.number or f"draft-{kind}-{document.pk}"


class InvoiceList(ListPage):
    perm = Perm.INVOICES_VIEW
    table = tables.INVOICES
    title = "Invoices"

    def scoped_queryset(self) -> QuerySet:
        return Invoice.objects.for_user(self.request.user).select_related("issuer")


@perm_required(Perm.INVOICES_VIEW)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_user_or_404(Invoice.objects.select_related("issuer"), request.user, pk=pk)
    return render(
        request,
        "billing/invoices/detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.select_related("mno"),
            "credit_notes": CreditNote.objects.for_user(request.user).filter(invoice=invoice),
            "can_credit": invoice.is_issued and has_perm(request.user, Perm.BILLING_CLOSE),
        },
    )


@perm_required(Perm.INVOICES_VIEW)
def invoice_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_user_or_404(Invoice.objects.select_related("issuer"), request.user, pk=pk)
    return _pdf(invoice_pdf(invoice), f"{_stem(invoice, 'invoice')}.pdf")


@perm_required(Perm.INVOICES_VIEW)
def invoice_csv_download(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_user_or_404(Invoice.objects.select_related("issuer"), request.user, pk=pk)
    rows = [
        [
            line.position,
            line.get_line_type_display(),
            line.label,
            line.mno.name if line.mno else "All networks",
            f"{line.usage_month:%Y-%m}",
            line.quantity,
            line.unit_price,
            line.amount,
        ]
        for line in invoice.lines.select_related("mno")
    ]
    rows += [
        ["", "", "Subtotal", "", "", "", "", invoice.subtotal],
        [
            "",
            "",
            f"{invoice.tax_label} {invoice.tax_rate * 100:.3f}%",
            "",
            "",
            "",
            "",
            invoice.tax_amount,
        ],
        ["", "", f"Total {invoice.currency}", "", "", "", "", invoice.total],
    ]
    header = [
        "Line",
        "Type",
        "Charge",
        "Network",
        "Usage month",
        "Quantity",
        "Unit price",
        "Amount",
    ]
    return csv_response(f"{_stem(invoice, 'invoice')}.csv", header, rows)


@perm_required(Perm.INVOICES_VIEW)
def credit_note_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_for_user_or_404(
        CreditNote.objects.select_related("invoice__issuer"), request.user, pk=pk
    )
    return _pdf(credit_note_pdf(note), f"{note.number}.pdf")


@perm_required(Perm.BILLING_CLOSE)
@require_http_methods(["GET", "POST"])
def credit_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_user_or_404(Invoice.objects.select_related("issuer"), request.user, pk=pk)
    lines = [
        (line, creditable(line), request.POST.get(f"line-{line.pk}", "").strip())
        for line in invoice.lines.select_related("mno")
    ]
    error = None
    if request.method == "POST":
        amounts = {line.pk: entered for line, _, entered in lines if entered}
        try:
            note = credit_note_issue(
                invoice=invoice,
                actor=request.user,
                reason=request.POST.get("reason", ""),
                amounts=amounts,
            )
        except CommercialError as exc:
            error = exc.message
        else:
            messages.success(request, f"Credit note {note.number} issued.")
            return redirect("billing_reports:invoice_detail", pk=invoice.pk)
    return render(
        request,
        "billing/invoices/credit_note_form.html",
        {"invoice": invoice, "lines": lines, "error": error, "data": request.POST},
        status=400 if error else 200,
    )


class SettlementList(ListPage):
    perm = Perm.SETTLEMENTS_VIEW
    table = tables.SETTLEMENTS
    title = "Settlement statements"

    def scoped_queryset(self) -> QuerySet:
        return Settlement.objects.for_user(self.request.user).select_related("mno")


@perm_required(Perm.SETTLEMENTS_VIEW)
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_user_or_404(
        Settlement.objects.select_related("mno", "wholesale_agreement"), request.user, pk=pk
    )
    return render(
        request,
        "billing/settlements/detail.html",
        {"statement": statement, "lines": statement.lines.all()},
    )


@perm_required(Perm.SETTLEMENTS_VIEW)
def settlement_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_user_or_404(Settlement.objects.select_related("mno"), request.user, pk=pk)
    return _pdf(settlement_pdf(statement), f"{_stem(statement, 'statement')}.pdf")


@perm_required(Perm.SETTLEMENTS_VIEW)
def settlement_csv_download(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_for_user_or_404(Settlement.objects.select_related("mno"), request.user, pk=pk)
    rows = [
        [
            line.get_item_display(),
            line.get_line_type_display(),
            f"{line.usage_month:%Y-%m}",
            line.quantity,
            line.unit_price,
            line.amount,
        ]
        for line in statement.lines.all()
    ]
    rows.append(["Total owed", "", "", "", statement.currency, statement.total])
    header = ["Item", "Type", "Usage month", "Quantity", "Wholesale price", "Amount"]
    return csv_response(f"{_stem(statement, 'statement')}.csv", header, rows)


def _month(value: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@perm_required(Perm.BILLING_CLOSE)
@require_http_methods(["GET", "POST"])
def month_close(request: HttpRequest) -> HttpResponse:
    """Close a month (drafts), review the drafts of a revision, issue that revision."""
    month = _month(request.POST.get("month") or request.GET.get("month"))
    if request.method == "POST":
        if month is None:
            messages.error(request, "Choose a month, as YYYY-MM.")
            return redirect("billing_reports:month_close")
        try:
            if request.POST.get("action") == "issue":
                result = billing_month_issue(
                    month=month,
                    actor=request.user,
                    revision=int(request.POST.get("revision") or -1),
                )
            else:
                result = billing_month_close(month=month, actor=request.user)
        except (CommercialError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "Give the revision you reviewed."))
        else:
            level = messages.WARNING if result.outcome == "changed" else messages.SUCCESS
            messages.add_message(request, level, result.message)
        return redirect(f"{request.path}?month={month:%Y-%m}")
    billing_month = BillingMonth.objects.filter(month=month).first() if month else None
    return render(
        request,
        "billing/close.html",
        {
            "months": BillingMonth.objects.all()[:24],
            "month": month,
            "billing_month": billing_month,
            "invoices": Invoice.objects.for_user(request.user)
            .filter(month=month)
            .select_related("issuer"),
            "statements": Settlement.objects.for_user(request.user)
            .filter(month=month)
            .select_related("mno"),
        },
    )


@perm_required(Perm.BILLING_CLOSE)
@require_http_methods(["GET", "POST"])
def billing_profiles(request: HttpRequest) -> HttpResponse:
    """Each issuer's billing province (GST/HST) and invoice e-mail; finance sets them."""
    issuers = Issuer.objects.for_user(request.user).order_by("legal_name")
    if request.method == "POST":
        issuer = get_for_user_or_404(issuers, request.user, pk=request.POST.get("issuer"))
        try:
            billing_profile_set(
                issuer=issuer,
                actor=request.user,
                province=request.POST.get("province", ""),
                billing_email=request.POST.get("billing_email", "").strip(),
            )
        except CommercialError as exc:
            messages.error(request, f"{issuer}: {exc.message}")
        else:
            messages.success(request, f"{issuer}: billing profile saved.")
        return redirect("billing_reports:billing_profiles")
    profiles = {p.issuer_id: p for p in BillingProfile.objects.filter(issuer__in=issuers)}
    return render(
        request,
        "billing/profiles.html",
        {
            "rows": [(issuer, profiles.get(issuer.pk)) for issuer in issuers],
            "provinces": Province.choices,
        },
    )
