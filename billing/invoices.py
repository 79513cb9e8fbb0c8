"""Invoices, credit notes and what they need: the issuer's billing profile and the counters
that number them.

Issued documents are frozen: the ORM refuses to save, update or delete an issued invoice, its
lines, or any credit note. A correction is a new credit note that points at the invoice.
"""

from decimal import Decimal
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from billing.documents import (
    FrozenWhenIssuedQuerySet,
    IssuedDocument,
    IssuedDocumentLine,
    amount_field,
    frozen,
)
from billing.money import currency_field
from billing.tax import Province
from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class BillingProfile(models.Model):
    """Billing-side facts about an issuer that the commercial Issuer does not hold: where it
    is taxed and where invoices go."""

    issuer = models.OneToOneField(
        "issuers.Issuer", on_delete=models.PROTECT, related_name="billing_profile"
    )
    province = models.CharField(
        max_length=2, choices=Province.choices, help_text="Where GST/HST is charged."
    )
    billing_email = models.EmailField(blank=True)
    address = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.issuer} ({self.province})"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id


class DocumentCounter(models.Model):
    """The last number given in one series. Locked (SELECT ... FOR UPDATE) by the transaction
    that issues, so numbers are consecutive and a rolled-back issue gives its number back."""

    series = models.CharField(max_length=8, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class InvoiceQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "issuer__organisation"}
    label = "This invoice"


class Invoice(IssuedDocument):
    frozen_label = "Invoice"
    date_field = "invoice_date"

    month = models.DateField(help_text="The first day of the month billed.")
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(
        "issuers.ResaleAgreement", on_delete=models.PROTECT, null=True, related_name="+"
    )
    invoice_date = models.DateField()
    province = models.CharField(max_length=2, blank=True)
    tax_label = models.CharField(max_length=8, blank=True)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal(0))
    subtotal = amount_field()
    tax_amount = amount_field()
    plan_code = models.CharField(max_length=60, blank=True)
    plan_name = models.CharField(max_length=120, blank=True)
    plan_version = models.PositiveSmallIntegerField(null=True)
    platform_volume = models.PositiveBigIntegerField(default=0)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "issuer__legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "month"], name="one_invoice_a_month")
        ]

    def __str__(self) -> str:
        return self.number or f"draft invoice {self.issuer} {self.month:%Y-%m}"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id


class InvoiceLineQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "invoice__issuer__organisation"}
    status_path = "invoice__status"
    label = "This invoice's line"


class InvoiceLine(IssuedDocumentLine):
    """One charge on one network (or, for a charge not tied to a network, none). The charge is
    rated once on the issuer's volume across every network; `tiers` is that rating's tier
    breakdown, and `amount` this network's share of it (docs/billing.md)."""

    document_field = "invoice"
    frozen_label = "This invoice's line"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    charge_kind = models.CharField(max_length=32)
    label = models.CharField(max_length=200)
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, null=True, related_name="+")
    tiers = models.JSONField(default=list, blank=True)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class CreditNoteQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "invoice__issuer__organisation"}

    def update(self, **kwargs: Any) -> NoReturn:
        frozen("A credit note")

    def delete(self) -> NoReturn:  # type: ignore[override]
        frozen("A credit note")


class CreditNote(models.Model):
    """A correction of an issued invoice: amounts given back per invoice line, with the
    invoice's tax rate, and a reason. Born issued, with its own gapless number."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20, unique=True)
    reason = models.TextField()
    note_date = models.DateField()
    currency = currency_field()
    subtotal = amount_field()
    tax_amount = amount_field()
    total = amount_field()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            frozen(f"Credit note {self.number}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        frozen(f"Credit note {self.number}")

    def audit_organisation(self) -> int:
        return self.invoice.issuer.organisation_id


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, related_name="credit_lines"
    )
    amount = amount_field()

    class Meta:
        ordering = ["credit_note", "invoice_line__position"]

    def __str__(self) -> str:
        return f"{self.invoice_line.label}: -{self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            frozen("A credit note's line")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        frozen("A credit note's line")
