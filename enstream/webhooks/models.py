"""Webhook endpoints of issuers, the events raised for them, and every delivery attempt."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.apikeys.models import Mode
from enstream.tenancy import TenantQuerySet


class EventType(models.TextChoices):
    CREDENTIAL_ACTIVE = "credential.active", "credential.active: a credential is ready to pay"
    CREDENTIAL_FAILED = "credential.failed", "credential.failed: provisioning failed"
    CREDENTIAL_SUSPENDED = "credential.suspended", "credential.suspended"
    CREDENTIAL_DELETED = "credential.deleted", "credential.deleted"
    CREDENTIAL_CARD_DATA_REQUIRED = (
        "credential.card_data_required",
        "credential.card_data_required: a card moved to a new SIM waits for its card data",
    )
    JOB_FAILED = "job.failed", "job.failed: an over-the-air job failed"


class EndpointQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "organisation"}


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LIVE)
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list)
    # Sealed in the keystore; while a rotation's overlap lasts, deliveries carry a signature
    # under the previous secret too, so the issuer can switch without dropping events.
    secret = models.ForeignKey("keystore.Secret", on_delete=models.PROTECT, related_name="+")
    previous_secret = models.ForeignKey(
        "keystore.Secret", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_owner(self) -> str:
        return f"webhooks.endpoint:{self.pk}"


class EventQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "organisation"}


class WebhookEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LIVE)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.pk}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"


class DeliveryQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "endpoint__organisation"}


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.event.event_type} to {self.endpoint.url} [{self.state}]"


class WebhookAttempt(models.Model):
    """One POST to an endpoint: its outcome, never its body (the body is in the event)."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error_class}"
