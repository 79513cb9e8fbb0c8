"""Settlement statements: what EnStream owes each MNO for a month under its wholesale agreement.

A statement holds wholesale prices only; nothing on it (or reachable from it) tells an MNO
what an issuer pays. Like invoices, it is frozen once issued.
"""

from typing import ClassVar

from django.db import models

from billing.documents import (
    FrozenWhenIssuedQuerySet,
    IssuedDocument,
    IssuedDocumentLine,
)
from enstream.accounts.roles import OrgKind


class SettlementItem(models.TextChoices):
    ACTIVE_SSD_MONTH = "active_ssd_month", "Active SSD per month"
    OTA_OPERATION = "ota_operation", "OTA operation"
    CREDENTIAL_PROVISIONED = "credential_provisioned", "Credential provisioned"


class SettlementQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "mno__organisation"}
    label = "This settlement statement"


class Settlement(IssuedDocument):
    frozen_label = "Statement"
    date_field = "statement_date"

    month = models.DateField(help_text="The first day of the month settled.")
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    wholesale_agreement = models.ForeignKey(
        "mno.WholesaleAgreement", on_delete=models.PROTECT, null=True, related_name="+"
    )
    statement_date = models.DateField()

    objects = SettlementQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "mno__name"]
        constraints = [
            models.UniqueConstraint(fields=["mno", "month"], name="one_settlement_a_month")
        ]

    def __str__(self) -> str:
        return self.number or f"draft statement {self.mno} {self.month:%Y-%m}"

    def audit_organisation(self) -> int:
        return self.mno.organisation_id


class SettlementLineQuerySet(FrozenWhenIssuedQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "settlement__mno__organisation"}
    status_path = "settlement__status"
    label = "This statement's line"


class SettlementLine(IssuedDocumentLine):
    document_field = "settlement"
    frozen_label = "This statement's line"

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(max_length=32, choices=SettlementItem.choices)

    objects = SettlementLineQuerySet.as_manager()

    class Meta:
        ordering = ["settlement", "position"]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.amount}"
