"""What invoices and settlement statements share: a draft that month close rewrites, then an
issued document with a gapless number that nothing may change.

The ORM refuses to save, update or delete an issued document or any of its lines; a
correction is a new document (a credit note), never an edit.
"""

from decimal import Decimal
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from billing.money import currency_field
from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet
from issuers.errors import CommercialError


def amount_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), **kwargs)


def frozen(what: str) -> NoReturn:
    raise CommercialError(
        "document_issued",
        f"{what} is issued and cannot change: correct it with a credit note.",
        status=409,
    )


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class FrozenWhenIssuedQuerySet(TenantQuerySet):
    status_path: ClassVar[str] = "status"
    label: ClassVar[str] = "This document"

    def _refuse_if_issued(self) -> None:
        if self.filter(**{self.status_path: DocumentStatus.ISSUED}).exists():
            frozen(self.label)

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_issued()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_issued()
        return super().delete()

    def for_organisation(self, organisation: Any) -> TenantQuerySet:
        # Drafts are EnStream's preview: the other party sees a document, and its lines, once
        # it is issued.
        scoped = super().for_organisation(organisation)
        if organisation.kind == OrgKind.ENSTREAM:
            return scoped
        return scoped.filter(**{self.status_path: DocumentStatus.ISSUED})


class IssuedDocument(models.Model):
    """A month's invoice or statement. `frozen_label` names it in a refusal ("Invoice");
    `date_field` is its document date, set to the day it is issued."""

    frozen_label: ClassVar[str]
    date_field: ClassVar[str]

    status = models.CharField(
        max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    currency = currency_field()
    total = amount_field()
    # Why this draft cannot be issued as it is (no billing profile, no agreement in force ...).
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stored row decides, not this instance: a stale copy of an issued document
        # must not overwrite it.
        stored = type(self)._default_manager.filter(pk=self.pk, status=DocumentStatus.ISSUED)
        if self.pk and stored.exists():
            frozen(f"{self.frozen_label} {self.number}")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_issued:
            frozen(f"{self.frozen_label} {self.number}")
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.status == DocumentStatus.ISSUED


class LineType(models.TextChoices):
    CHARGE = "charge", "Charge"
    # Usage of an earlier, already invoiced month that arrived late.
    ADJUSTMENT = "adjustment", "Adjustment"


class IssuedDocumentLine(models.Model):
    """One line of an issued document: `document_field` names the foreign key to it, and
    `frozen_label` the line in a refusal."""

    document_field: ClassVar[str]
    frozen_label: ClassVar[str]

    position = models.PositiveSmallIntegerField()
    line_type = models.CharField(max_length=12, choices=LineType.choices)
    usage_month = models.DateField()
    quantity = models.BigIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=4)
    amount = amount_field()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        document = self._meta.get_field(self.document_field).related_model
        document_id = getattr(self, f"{self.document_field}_id")
        if document.objects.filter(pk=document_id, status=DocumentStatus.ISSUED).exists():
            frozen(self.frozen_label)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if getattr(self, self.document_field).is_issued:
            frozen(self.frozen_label)
        return super().delete(*args, **kwargs)
