"""Price plans: what issuers pay EnStream.

A plan (one per commercial offer, referenced by resale agreements) has numbered versions, each
effective from the first day of a month until the next version starts. A version holds its
charges (with their tiers) and its shared-cost bands, and is never edited once written: a
change of price is a new version, so every month ever quoted can be quoted again.
The usage ledger, rollups and invoices will join this app later.
"""

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from billing.money import currency_field, unit_price_field
from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, TierSpec
from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class _IssuerPlanScope(TenantQuerySet):
    """An issuer sees the plans its own resale agreements use; an MNO never sees resale
    prices. `plan_path` leads from the row to its PricePlan."""

    plan_path: ClassVar[str] = ""

    def for_organisation(self, organisation: Any) -> TenantQuerySet:
        if organisation.kind == OrgKind.ENSTREAM:
            return self.all()
        if organisation.kind != OrgKind.ISSUER:
            return self.none()
        plans = PricePlan.objects.filter(resale_agreements__issuer__organisation=organisation)
        lookup = f"{self.plan_path}__in" if self.plan_path else "pk__in"
        return self.filter(**{lookup: plans.values("pk")})


class PricePlanQuerySet(_IssuerPlanScope):
    plan_path = ""


class PricePlan(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    currency = currency_field()
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PricePlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def version_on(self, on: date) -> "PricePlanVersion | None":
        return self.versions.filter(effective_from__lte=on).order_by("-effective_from").first()


class PricePlanVersionQuerySet(_IssuerPlanScope):
    plan_path = "plan"


class PricePlanVersion(models.Model):
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    effective_from = models.DateField(help_text="The first day of a month.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PricePlanVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_plan_version"),
            models.UniqueConstraint(fields=["plan", "effective_from"], name="unique_plan_start"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number} (from {self.effective_from:%Y-%m})"

    def charge_specs(self) -> list[ChargeSpec]:
        return [
            ChargeSpec(
                kind=charge.kind,
                model=charge.model,
                shares_platform_discount=charge.shares_platform_discount,
                tiers=tuple(TierSpec(t.up_to, t.unit_price) for t in charge.tiers.all()),
            )
            for charge in self.charges.prefetch_related("tiers")
        ]

    def band_specs(self) -> list[BandSpec]:
        return [BandSpec(b.from_volume, b.discount_percent) for b in self.bands.all()]


class PriceCharge(models.Model):
    version = models.ForeignKey(PricePlanVersion, on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(max_length=32, choices=ChargeKind.choices)
    model = models.CharField(max_length=16, choices=PricingModel.choices)
    shares_platform_discount = models.BooleanField(
        default=True, help_text="Whether the shared-cost band lowers this charge's unit prices."
    )

    class Meta:
        ordering = ["version", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "kind"], name="one_charge_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_model_display()})"


class PriceTier(models.Model):
    charge = models.ForeignKey(PriceCharge, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField()
    up_to = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Last unit of the tier (inclusive); empty: no limit."
    )
    unit_price = unit_price_field("per unit")

    class Meta:
        ordering = ["charge", "position"]
        constraints = [
            models.UniqueConstraint(fields=["charge", "position"], name="unique_tier_position")
        ]

    def __str__(self) -> str:
        return f"up to {self.up_to or 'any'} at {self.unit_price}"


class SharedCostBand(models.Model):
    """From this platform-wide volume (active SSDs of all issuers together) on, every unit
    price of the version's discount-sharing charges is lowered by `discount_percent`."""

    version = models.ForeignKey(PricePlanVersion, on_delete=models.CASCADE, related_name="bands")
    from_volume = models.PositiveBigIntegerField()
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99.99"))],
    )

    class Meta:
        ordering = ["version", "from_volume"]
        constraints = [
            models.UniqueConstraint(fields=["version", "from_volume"], name="unique_band_start")
        ]

    def __str__(self) -> str:
        return f"from {self.from_volume:,}: -{self.discount_percent}%"


# The usage ledger, invoices and settlements live in their own modules; importing them here
# registers their models with Django.
from billing.invoices import (  # noqa: E402
    BillingProfile,
    CreditNote,
    CreditNoteLine,
    DocumentCounter,
    Invoice,
    InvoiceLine,
)
from billing.ledger import (  # noqa: E402
    BillingMonth,
    UsageEvent,
    UsageMonthRollup,
    UsageRollup,
    UsageSnapshot,
)
from billing.settlements import Settlement, SettlementLine  # noqa: E402
from billing.tax import TaxRate  # noqa: E402

__all__ = [
    "BillingMonth",
    "BillingProfile",
    "CreditNote",
    "CreditNoteLine",
    "DocumentCounter",
    "Invoice",
    "InvoiceLine",
    "PriceCharge",
    "PricePlan",
    "PricePlanVersion",
    "PriceTier",
    "Settlement",
    "SettlementLine",
    "SharedCostBand",
    "TaxRate",
    "UsageEvent",
    "UsageMonthRollup",
    "UsageRollup",
    "UsageSnapshot",
]
