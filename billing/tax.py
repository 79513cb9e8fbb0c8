"""Sales tax on EnStream's invoices: GST or HST by the issuer's province.

A rate is effective from a date until the next rate of the same province starts, so a past
invoice can always be recomputed at the rate of its own date. The table is seeded by a
migration with the rates in docs/billing.md ("Taxes") and is extended by adding rows, never by
editing one. Quebec's QST and the PST/RST of BC, MB and SK are provincial taxes outside the
GST/HST system and out of scope here (docs/billing.md).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from issuers.errors import CommercialError


class Province(models.TextChoices):
    AB = "AB", "Alberta"
    BC = "BC", "British Columbia"
    MB = "MB", "Manitoba"
    NB = "NB", "New Brunswick"
    NL = "NL", "Newfoundland and Labrador"
    NS = "NS", "Nova Scotia"
    NT = "NT", "Northwest Territories"
    NU = "NU", "Nunavut"
    ON = "ON", "Ontario"
    PE = "PE", "Prince Edward Island"
    QC = "QC", "Quebec"
    SK = "SK", "Saskatchewan"
    YT = "YT", "Yukon"


class TaxRate(models.Model):
    province = models.CharField(max_length=2, choices=Province.choices)
    label = models.CharField(max_length=8, help_text="GST or HST, as printed on the invoice.")
    rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="0.1300 for 13%.",
    )
    effective_from = models.DateField()
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["province", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["province", "effective_from"], name="one_rate_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.label} {self.rate:%} from {self.effective_from}"


@dataclass(frozen=True)
class AppliedTax:
    label: str
    rate: Decimal

    @property
    def percent(self) -> Decimal:
        return (self.rate * 100).normalize()


def tax_for(*, province: str, on: date) -> AppliedTax:
    """The GST/HST rate in force in `province` on `on` (the invoice date: CRA makes the tax
    payable when the invoice is issued)."""
    row = (
        TaxRate.objects.filter(province=province, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        raise CommercialError(
            "no_tax_rate",
            f"No GST/HST rate for province {province or '(none)'} on {on}: add one to the tax "
            "table or set the issuer's billing province.",
            field="province",
        )
    return AppliedTax(label=row.label, rate=row.rate)
