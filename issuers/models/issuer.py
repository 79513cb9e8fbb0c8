from typing import ClassVar

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class IssuerKind(models.TextChoices):
    BANK = "bank", "Bank"
    CREDIT_UNION = "credit_union", "Credit union"
    TRANSIT = "transit", "Transit"
    LOYALTY = "loyalty", "Loyalty"
    OTHER = "other", "Other"


class PaymentNetwork(models.TextChoices):
    VISA = "visa", "Visa"
    MASTERCARD = "mastercard", "Mastercard"
    INTERAC = "interac", "Interac"


class IssuerStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    ONBOARDING = "onboarding", "Onboarding"
    LIVE = "live", "Live"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"


class IssuerQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "organisation"}


class Issuer(models.Model):
    """A credential issuer EnStream resells SE space to; one per issuer organisation."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="issuer",
        limit_choices_to={"kind": OrgKind.ISSUER},
    )
    legal_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=IssuerKind.choices)
    payment_networks = models.JSONField(
        default=list, blank=True, help_text="Payment networks it issues on."
    )
    status = models.CharField(
        max_length=16, choices=IssuerStatus.choices, default=IssuerStatus.PROSPECT
    )
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    contacts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IssuerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def audit_organisation(self) -> int:
        return self.organisation_id

    def get_payment_networks_display(self) -> str:
        labels = dict(PaymentNetwork.choices)
        return ", ".join(labels.get(code, code) for code in self.payment_networks)
