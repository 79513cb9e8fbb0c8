"""One OTA exchange: a script of command APDUs sent to one SE, and what came back."""

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet
from mno.registry import SecureElement

DEFAULT_REPLY_TASK = "provisioning.tasks.on_ota_reply"


class ExchangeState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    DELIVERED = "delivered", "Delivered"
    # No reply will ever come (the network said so, or the sender gave up waiting).
    LOST = "lost", "Lost"
    FAILED = "failed", "Failed"


class OtaExchangeQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "se__mno__organisation"}


class OtaExchange(models.Model):
    """A script in flight or answered.

    `script` holds the command APDUs (hex) only until delivery: they travel under the SP TSM's
    secure messaging, but nothing is kept that is not needed. `responses` are the R-APDUs
    (data + SW, hex) in order, fewer than the commands when the card stopped at an error.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    se = models.ForeignKey(SecureElement, on_delete=models.PROTECT, related_name="ota_exchanges")
    # The sender's name for this attempt (provisioning: "<job>:<step>:<attempt>"); submitting
    # the same correlation twice returns the first exchange instead of sending twice.
    correlation = models.CharField(max_length=200, unique=True)
    transport = models.CharField(max_length=32)
    script = models.JSONField(default=list, blank=True)
    command_count = models.PositiveIntegerField(default=0)
    stop_on_error = models.BooleanField(default=True)
    reply_task = models.CharField(max_length=200, default=DEFAULT_REPLY_TASK)
    state = models.CharField(
        max_length=12, choices=ExchangeState.choices, default=ExchangeState.SUBMITTED
    )
    responses = models.JSONField(default=list, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)

    objects = OtaExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = "OTA exchange"
        indexes = [
            models.Index(fields=["se", "-submitted_at"], name="ota_se_recent"),
            models.Index(fields=["state", "submitted_at"], name="ota_state_age"),
        ]

    def __str__(self) -> str:
        return f"OTA {self.correlation} ({self.state})"

    @property
    def response_apdus(self) -> list[bytes]:
        return [bytes.fromhex(r) for r in self.responses]

    @property
    def answered(self) -> bool:
        return self.state in (ExchangeState.DELIVERED, ExchangeState.FAILED)
