"""The usage ledger: one row per billable fact, written once and never changed.

Next to it, two derived tables that reports and invoices read instead of the ledger:
`UsageRollup` (per day x issuer x MNO x kind x billed month, kept up to date in the same
transaction as each event) and `UsageSnapshot` (the daily count of active SSDs and bytes
per issuer x MNO, taken from the allocations' counters). `BillingMonth` says which months
are invoiced: an event of such a month is billed into the next open one (docs/billing.md).
"""

from datetime import date
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet
from issuers.errors import CommercialError


class UsageKind(models.TextChoices):
    SSD_CREATED = "ssd_created", "SSD created"
    SSD_DELETED = "ssd_deleted", "SSD deleted"
    CREDENTIAL_PROVISIONED = "credential_provisioned", "Credential provisioned"
    LIFECYCLE_OPERATION = "lifecycle_operation", "Lifecycle operation"
    KEY_ROTATION = "key_rotation", "Key rotation"
    OTA_OPERATION = "ota_operation", "OTA operation"


def _append_only(what: str) -> NoReturn:
    raise CommercialError(
        "append_only",
        f"{what} are written once and never changed: record a new event instead.",
        status=409,
    )


class UsageEventQuerySet(TenantQuerySet):
    # The MNO sees what happened on its network; the issuer what it caused.
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "issuer__organisation",
        OrgKind.MNO: "mno__organisation",
    }

    def update(self, **kwargs: Any) -> NoReturn:
        _append_only("Usage events")

    def delete(self) -> NoReturn:  # type: ignore[override]
        _append_only("Usage events")


class UsageEvent(models.Model):
    """One billable fact. `idempotency_key` is derived from what caused it (the job and its
    step), so a step re-run after a crash records nothing new. `billed_month` is the first
    day of the month whose invoice carries it: the month it happened in, or the first month
    not yet invoiced when it arrived late."""

    id = models.BigAutoField(primary_key=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.PROTECT, related_name="+")
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    se = models.ForeignKey(
        "mno.SecureElement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=UsageKind.choices)
    quantity = models.PositiveIntegerField(default=1)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    billed_month = models.DateField()

    objects = UsageEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["occurred_at"], name="usage_event_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="usage_quantity_1")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} x{self.quantity} ({self.idempotency_key})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _append_only("Usage events")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _append_only("Usage events")

    @property
    def late(self) -> bool:
        return timezone.localtime(self.occurred_at).date().replace(day=1) != self.billed_month


class UsageRollupQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "issuer__organisation",
        OrgKind.MNO: "mno__organisation",
    }


class _Rollup(models.Model):
    """One period's sum of one kind of event for one issuer on one network, split by the
    month it is billed into; the period is the subclass's own field."""

    id = models.BigAutoField(primary_key=True)
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.CASCADE, related_name="+")
    mno = models.ForeignKey("mno.MNO", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=UsageKind.choices)
    billed_month = models.DateField()
    quantity = models.BigIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)

    objects = UsageRollupQuerySet.as_manager()

    class Meta:
        abstract = True


class UsageRollup(_Rollup):
    """Sum of one day's events of one kind for one issuer on one network, split by the month
    they are billed into (late events of a closed month land in another row)."""

    day = models.DateField()

    class Meta:
        ordering = ["day", "issuer", "mno", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "mno", "kind", "day", "billed_month"], name="one_rollup_row"
            )
        ]
        indexes = [
            models.Index(fields=["day", "mno"], name="rollup_day_mno"),
            models.Index(fields=["billed_month", "issuer"], name="rollup_billed"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} x{self.quantity}"


class UsageMonthRollup(_Rollup):
    """The same sums per calendar month: a month's report or close reads a few thousand of
    these rows instead of thirty times as many daily ones (docs/billing.md, "Rollups")."""

    month = models.DateField(help_text="The first day of the month the usage happened in.")

    class Meta:
        ordering = ["month", "issuer", "mno", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "mno", "kind", "month", "billed_month"],
                name="one_month_rollup_row",
            )
        ]
        indexes = [
            models.Index(fields=["month", "mno"], name="month_rollup_month"),
            models.Index(fields=["billed_month", "issuer"], name="month_rollup_billed"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} x{self.quantity}"


class UsageSnapshotQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "issuer__organisation",
        OrgKind.MNO: "mno__organisation",
    }


class UsageSnapshot(models.Model):
    """What one issuer held on one network on one day. Active SSDs are billed by these
    snapshots (an SSD-day is 1/days-in-month of an active-SSD month), so an allocation phased
    in mid-month pays for the days it held SSDs, no more."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.CASCADE, related_name="+")
    mno = models.ForeignKey("mno.MNO", on_delete=models.CASCADE, related_name="+")
    active_ssds = models.PositiveIntegerField(default=0)
    bytes_used = models.PositiveBigIntegerField(default=0)
    allocated_ssds = models.PositiveIntegerField(default=0)
    allocated_bytes = models.PositiveBigIntegerField(default=0)
    # None: provisioning keeps no credential table yet, so "no data", not zero.
    active_credentials = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)

    objects = UsageSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["day", "issuer", "mno"]
        constraints = [
            models.UniqueConstraint(fields=["day", "issuer", "mno"], name="one_snapshot_a_day")
        ]
        indexes = [models.Index(fields=["day", "mno"], name="snapshot_day_mno")]

    def __str__(self) -> str:
        return f"{self.day}: {self.active_ssds} SSDs"


class MonthStatus(models.TextChoices):
    DRAFT = "draft", "Draft (preview)"
    ISSUED = "issued", "Issued"


class BillingMonth(models.Model):
    """A month that has been closed. Its drafts may be refreshed (each refresh that changes
    anything bumps `revision`) until finance issues the revision it reviewed; issued, the
    month is frozen and late events go to the next month."""

    month = models.DateField(primary_key=True, help_text="The first day of the month.")
    status = models.CharField(max_length=8, choices=MonthStatus.choices, default=MonthStatus.DRAFT)
    revision = models.PositiveIntegerField(default=0)
    # A digest of every draft's figures: a refresh that changes it is a new revision.
    fingerprint = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%B %Y} ({self.get_status_display()})"

    @property
    def is_issued(self) -> bool:
        return self.status == MonthStatus.ISSUED


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: date) -> date:
    return date.fromordinal(next_month(month).toordinal() - 1)
