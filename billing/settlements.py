"""Settlement statements: what EnStream owes each MNO for a month under its wholesale agreement.

A statement holds wholesale prices only; nothing on it (or reachable from it) tells an MNO
what an issuer pays. Like invoices, it is frozen once issued.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from billing.invoices import (
    DocumentStatus,
    FrozenWhenIssuedQuerySet,
    LineType,
    amount_field,
    frozen,
)
from billing.money import currency_field
from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class SettlementItem(models.TextChoices):
    ACTIVE_SSD_MONTH = "active_ssd_month", "Active SSD per month"
    OTA_OPERATION = "ota_operation", "OTA operation"
    CREDENTIAL_PROVISIONED = "credential_provisioned", "Credential provisioned"


class SettlementQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "mno__organisation"}
    label = "This settlement statement"

    def for_organisation(self, organisation: Any) -> TenantQuerySet:
        scoped = super().for_organisation(organisation)
        if organisation.kind == OrgKind.ENSTREAM:
            return scoped
        return scoped.filter(status=DocumentStatus.ISSUED)


class Settlement(models.Model):
    month = models.DateField(help_text="The first day of the month settled.")
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    wholesale_agreement = models.ForeignKey(
        "mno.WholesaleAgreement", on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    statement_date = models.DateField()
    currency = currency_field()
    total = amount_field()
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SettlementQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "mno__name"]
        constraints = [
            models.UniqueConstraint(fields=["mno", "month"], name="one_settlement_a_month")
        ]

    def __str__(self) -> str:
        return self.number or f"draft statement {self.mno} {self.month:%Y-%m}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Settlement.objects.filter(pk=self.pk, status=DocumentStatus.ISSUED).exists():
            frozen(f"Statement {self.number}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_issued:
            frozen(f"Statement {self.number}")
        return super().delete(*args, **kwargs)

    def audit_organisation(self) -> int:
        return self.mno.organisation_id

    @property
    def is_issued(self) -> bool:
        return self.status == DocumentStatus.ISSUED


class SettlementLineQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "settlement__mno__organisation"}
    status_path = "settlement__status"
    label = "This statement's line"


class SettlementLine(models.Model):
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    line_type = models.CharField(max_length=12, choices=LineType.choices)
    item = models.CharField(max_length=32, choices=SettlementItem.choices)
    usage_month = models.DateField()
    quantity = models.BigIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = amount_field()

    objects = SettlementLineQuerySet.as_manager()

    class Meta:
        ordering = ["settlement", "position"]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Settlement.objects.filter(pk=self.settlement_id, status=DocumentStatus.ISSUED).exists():
            frozen("This statement's line")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.settlement.is_issued:
            frozen("This statement's line")
        return super().delete(*args, **kwargs)
