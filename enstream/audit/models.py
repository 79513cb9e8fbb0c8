"""The audit log: one append-only, hash-chained table.

Each entry holds the hash of the entry before it, so altering or removing a row breaks the
chain at that row (`manage.py verify_audit`). The ORM refuses to update or delete entries; on
PostgreSQL a trigger refuses it in the database too. References to users and organisations
carry no database constraint and a copied label, so the log outlives what it describes and
deleting a user never has to touch (and so break) the chain.
"""

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry through the ORM."""


class Via(models.TextChoices):
    WEB = "web", "Web portal"
    API = "api", "API"
    ADMIN = "admin", "Admin site"
    TASK = "task", "Background task"
    SYSTEM = "system", "System"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


# What reading the audit log is recorded as (PCI DSS 10.2.1.3).
AUDIT_VIEWED = "audit_viewed"


class AuditQuerySet(TenantQuerySet):
    # An organisation sees the entries about its own objects; EnStream sees everything.
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "organisation",
        OrgKind.MNO: "organisation",
    }

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be updated")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries are written one by one by audit_record")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be updated")


def _loose_fk(to: str, related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        to,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name=related_name,
    )


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = _loose_fk(settings.AUTH_USER_MODEL, "+")
    actor_label = models.CharField(max_length=254, blank=True)
    api_key_id = models.CharField(max_length=64, blank=True)
    actor_organisation = _loose_fk("accounts.Organisation", "+")
    organisation = _loose_fk("accounts.Organisation", "+")
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.SYSTEM)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    detail = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["organisation", "-seq"], name="audit_org_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_label}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutable("audit entries cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be deleted")

    @property
    def actor_display(self) -> str:
        return self.actor_label or "system"


class AuditChainHead(models.Model):
    """The single row every append locks: it serialises writers and remembers the last
    entry, so that removing the newest entries shows too."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    HEAD_PK = 1

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"
