"""Month close: rate the month into draft invoices and statements, then issue them.

`billing_month_close` writes (or refreshes) the drafts: finance reviews them, revision by
revision. `billing_month_issue` issues the revision finance reviewed: it first waits for every
usage event in flight for the month (the month's exclusive lock), refreshes the drafts once
more, and if anything moved it issues nothing and says so. Issued, the month never changes:
closing it again changes nothing, and its late usage goes to the next month.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.documents import DocumentStatus, IssuedDocument
from billing.invoices import BillingProfile, DocumentCounter, Invoice, InvoiceLine
from billing.invoices_rating import (
    RatedInvoice,
    billed_usage,
    rate_issuer,
    ssd_days,
    ssd_months,
)
from billing.ledger import BillingMonth, MonthStatus, month_end
from billing.ledger_services import lock_month
from billing.money import round_amount
from billing.settlements import Settlement, SettlementLine
from billing.settlements_rating import RatedStatement, rate_mno
from billing.tax import AppliedTax, tax_for
from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers.errors import CommercialError
from issuers.models import Issuer, ResaleAgreement
from issuers.transitions import require
from mno.models import MNO, WholesaleAgreement


@dataclass(frozen=True)
class CloseResult:
    month: date
    outcome: str  # drafted, refreshed, unchanged, already_issued, changed, issued
    revision: int
    invoices: int
    settlements: int
    problems: tuple[str, ...]
    message: str


def next_number(series: str) -> str:
    """The next number of `series`, gapless: the counter row stays locked until the caller's
    transaction ends, and a rollback gives the number back."""
    DocumentCounter.objects.get_or_create(series=series)
    counter = DocumentCounter.objects.select_for_update().get(series=series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{series}-{counter.last_number:06d}"


def _check_month(month: date) -> None:
    if month.day != 1:
        raise CommercialError("not_a_month", "Give a month (its first day).", field="month")
    if month_end(month) >= timezone.localdate():
        raise CommercialError(
            "month_not_over",
            f"{month:%B %Y} is not over yet: close it from its last day's morrow on.",
            field="month",
        )


@dataclass
class _Draft:
    rated: RatedInvoice
    province: str
    tax: AppliedTax | None

    @property
    def tax_amount(self) -> Decimal:
        return round_amount(self.rated.subtotal * self.tax.rate) if self.tax else Decimal("0.00")


def _taxed(rated: RatedInvoice, on: date) -> _Draft:
    profile = BillingProfile.objects.filter(issuer=rated.issuer).first()
    if profile is None:
        rated.problems.append("No billing profile: set the issuer's province for GST/HST.")
        return _Draft(rated, "", None)
    try:
        return _Draft(rated, profile.province, tax_for(province=profile.province, on=on))
    except CommercialError as error:
        rated.problems.append(error.message)
        return _Draft(rated, profile.province, None)


def _gather(month: date, on: date) -> tuple[list[_Draft], list[RatedStatement]]:
    days = ssd_days(month)
    usage = billed_usage(month)
    per_issuer: dict[int, int] = {}
    for (issuer_id, _), n in days.items():
        per_issuer[issuer_id] = per_issuer.get(issuer_id, 0) + n
    volume = sum(ssd_months(n, month) for n in per_issuer.values())
    covered = ResaleAgreement.objects.filter(
        activated_at__isnull=False, effective_on__lte=month_end(month)
    ).filter(Q(ended_on__isnull=True, expires_on__gte=month) | Q(ended_on__gte=month))
    issuer_ids = set(covered.values_list("issuer_id", flat=True))
    issuer_ids |= {i for (i, _), n in days.items() if n} | {key[0] for key in usage}
    drafts = []
    for issuer in Issuer.objects.filter(pk__in=issuer_ids).order_by("legal_name", "pk"):
        rated = rate_issuer(
            issuer=issuer,
            month=month,
            volume=volume,
            days={m: n for (i, m), n in days.items() if i == issuer.pk},
            usage={(m, k, u): q for (i, m, k, u), q in usage.items() if i == issuer.pk},
        )
        drafts.append(_taxed(rated, on))
    mno_ids = set(
        WholesaleAgreement.objects.filter(
            starts_on__lte=month_end(month), ends_on__gte=month
        ).values_list("mno_id", flat=True)
    )
    mno_ids |= {m for (_, m), n in days.items() if n} | {key[1] for key in usage}
    statements = []
    for mno in MNO.objects.filter(pk__in=mno_ids).order_by("name", "pk"):
        by_kind: dict[tuple[str, date], int] = {}
        for (_, m, k, u), q in usage.items():
            if m == mno.pk:
                by_kind[(k, u)] = by_kind.get((k, u), 0) + q
        total_days = sum(n for (_, m), n in days.items() if m == mno.pk)
        statements.append(rate_mno(mno=mno, month=month, ssd_day_total=total_days, usage=by_kind))
    return drafts, statements


def _fingerprint(drafts: list[_Draft], statements: list[RatedStatement]) -> str:
    def invoice(d: _Draft) -> list[Any]:
        quote = d.rated.quote
        return [
            d.rated.issuer.pk,
            d.rated.agreement.pk if d.rated.agreement else None,
            quote.plan_code if quote else "",
            quote.version if quote else None,
            quote.platform_volume if quote else 0,
            d.province,
            str(d.tax.rate) if d.tax else "",
            str(d.tax_amount),
            d.rated.problems,
            [[*vars(line).values()] for line in d.rated.lines],
        ]

    def statement(s: RatedStatement) -> list[Any]:
        return [s.mno.pk, s.agreement.pk if s.agreement else None, s.lines, s.problems]

    content = [[invoice(d) for d in drafts], [statement(s) for s in statements]]
    return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


def _write_invoice(draft: _Draft, month: date, on: date) -> None:
    rated, quote = draft.rated, draft.rated.quote
    subtotal = rated.subtotal
    invoice, _ = Invoice.objects.update_or_create(
        issuer=rated.issuer,
        month=month,
        defaults={
            "agreement": rated.agreement,
            "invoice_date": on,
            "currency": quote.currency if quote else "CAD",
            "province": draft.province,
            "tax_label": draft.tax.label if draft.tax else "",
            "tax_rate": draft.tax.rate if draft.tax else Decimal(0),
            "subtotal": subtotal,
            "tax_amount": draft.tax_amount,
            "total": subtotal + draft.tax_amount,
            "plan_code": quote.plan_code if quote else "",
            "plan_name": quote.plan_name if quote else "",
            "plan_version": quote.version if quote else None,
            "platform_volume": quote.platform_volume if quote else 0,
            "discount_percent": quote.band.discount_percent if quote and quote.band else 0,
            "problems": rated.problems,
            "updated_at": timezone.now(),
        },
    )
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=position, **vars(line))
        for position, line in enumerate(rated.lines, start=1)
    )


def _write_statement(rated: RatedStatement, month: date, on: date) -> None:
    settlement, _ = Settlement.objects.update_or_create(
        mno=rated.mno,
        month=month,
        defaults={
            "wholesale_agreement": rated.agreement,
            "statement_date": on,
            "currency": rated.agreement.currency if rated.agreement else "CAD",
            "total": rated.total,
            "problems": rated.problems,
            "updated_at": timezone.now(),
        },
    )
    settlement.lines.all().delete()
    SettlementLine.objects.bulk_create(
        SettlementLine(
            settlement=settlement,
            position=position,
            line_type=line_type,
            item=item,
            usage_month=usage_month,
            quantity=quantity,
            unit_price=price,
            amount=amount,
        )
        for position, (line_type, item, usage_month, quantity, price, amount) in enumerate(
            rated.lines, start=1
        )
    )


def _refresh(billing_month: BillingMonth, on: date) -> tuple[bool, tuple[str, ...], int, int]:
    """Rate the month again; rewrite the drafts (a new revision) only if a figure moved."""
    month = billing_month.month
    drafts, statements = _gather(month, on)
    fingerprint = _fingerprint(drafts, statements)
    problems = tuple(
        [f"{d.rated.issuer}: {p}" for d in drafts for p in d.rated.problems]
        + [f"{s.mno}: {p}" for s in statements for p in s.problems]
    )
    changed = fingerprint != billing_month.fingerprint
    if changed:
        Invoice.objects.filter(month=month).exclude(
            issuer__in=[d.rated.issuer for d in drafts]
        ).delete()
        Settlement.objects.filter(month=month).exclude(mno__in=[s.mno for s in statements]).delete()
        for draft in drafts:
            _write_invoice(draft, month, on)
        for statement in statements:
            _write_statement(statement, month, on)
        billing_month.fingerprint = fingerprint
        billing_month.revision += 1
        billing_month.save(update_fields=["fingerprint", "revision"])
    return changed, problems, len(drafts), len(statements)


def _issued(billing_month: BillingMonth) -> CloseResult:
    month = billing_month.month
    return CloseResult(
        month=month,
        outcome="already_issued",
        revision=billing_month.revision,
        invoices=Invoice.objects.filter(month=month).count(),
        settlements=Settlement.objects.filter(month=month).count(),
        problems=(),
        message=f"{month:%B %Y} was issued on {billing_month.issued_at:%Y-%m-%d}: nothing changed.",
    )


@transaction.atomic
def billing_month_close(*, month: date, actor: Any = None) -> CloseResult:
    """Write or refresh the month's drafts (a preview for finance). `actor` None: the beat."""
    if actor is not None:
        require(actor, Perm.BILLING_CLOSE, "close a billing month")
    _check_month(month)
    BillingMonth.objects.get_or_create(month=month, defaults={"closed_by": actor})
    billing_month = BillingMonth.objects.select_for_update().get(month=month)
    if billing_month.is_issued:
        return _issued(billing_month)
    first = billing_month.revision == 0
    changed, problems, invoices, settlements = _refresh(billing_month, timezone.localdate())
    outcome = "drafted" if first else ("refreshed" if changed else "unchanged")
    return CloseResult(
        month=month,
        outcome=outcome,
        revision=billing_month.revision,
        invoices=invoices,
        settlements=settlements,
        problems=problems,
        message=f"{month:%B %Y}: revision {billing_month.revision} of the drafts, {outcome}.",
    )


@transaction.atomic
def billing_month_issue(*, month: date, actor: Any, revision: int) -> CloseResult:
    """Issue the drafts of `revision`: number every invoice and statement and freeze them."""
    require(actor, Perm.BILLING_CLOSE, "issue a billing month")
    _check_month(month)
    lock_month(month, shared=False)
    billing_month = BillingMonth.objects.select_for_update().filter(month=month).first()
    if billing_month is None:
        raise CommercialError(
            "month_not_closed", f"Close {month:%B %Y} and review its drafts first.", status=409
        )
    if billing_month.is_issued:
        return _issued(billing_month)
    if revision != billing_month.revision:
        raise CommercialError(
            "stale_revision",
            f"You reviewed revision {revision}; the drafts are at revision "
            f"{billing_month.revision}. Review them again.",
            field="revision",
            status=409,
        )
    today = timezone.localdate()
    changed, problems, invoices, settlements = _refresh(billing_month, today)
    if changed:
        return CloseResult(
            month=month,
            outcome="changed",
            revision=billing_month.revision,
            invoices=invoices,
            settlements=settlements,
            problems=problems,
            message=f"Usage moved since revision {revision}: nothing was issued. Review "
            f"revision {billing_month.revision}.",
        )
    if problems:
        raise CommercialError(
            "drafts_have_problems",
            "Fix these before issuing: " + "; ".join(problems),
            status=409,
            details={"problems": list(problems)},
        )
    _number_and_freeze(month, today, actor)
    billing_month.status = MonthStatus.ISSUED
    billing_month.issued_at = timezone.now()
    billing_month.issued_by = actor
    billing_month.save(update_fields=["status", "issued_at", "issued_by"])
    return CloseResult(
        month=month,
        outcome="issued",
        revision=billing_month.revision,
        invoices=invoices,
        settlements=settlements,
        problems=(),
        message=f"{month:%B %Y} issued: {invoices} invoices and {settlements} statements.",
    )


def _issue(
    document: IssuedDocument,
    *,
    series: str,
    action: str,
    today: date,
    now: datetime,
    actor: Any,
    changes: dict[str, str],
) -> None:
    """Number a draft in `series`, date it today, freeze it (the last save it allows) and
    record who issued it."""
    document.number = next_number(series)
    document.status = DocumentStatus.ISSUED
    setattr(document, document.date_field, today)
    document.issued_at = now
    document.issued_by = actor
    document.save()
    audit_record(
        action=action, obj=document, actor=actor, changes={"number": document.number, **changes}
    )


def _number_and_freeze(month: date, today: date, actor: Any) -> None:
    now = timezone.now()
    drafts = Invoice.objects.filter(month=month, status=DocumentStatus.DRAFT)
    for invoice in drafts.select_related("issuer").order_by("issuer__legal_name", "pk"):
        _issue(
            invoice,
            series="INV",
            action="invoice.issue",
            today=today,
            now=now,
            actor=actor,
            changes={"month": f"{month:%Y-%m}", "total": str(invoice.total)},
        )
    statements = Settlement.objects.filter(month=month, status=DocumentStatus.DRAFT)
    for settlement in statements.select_related("mno").order_by("mno__name", "pk"):
        _issue(
            settlement,
            series="STL",
            action="settlement.issue",
            today=today,
            now=now,
            actor=actor,
            changes={"month": f"{month:%Y-%m}"},
        )
