"""API keys for issuer back ends and EnStream staff, and the idempotency records of their POSTs.

A key is shown once. What stays is its public prefix (`es_live_<id>`, used for look-up and
shown in the portal) and an HMAC-SHA256 of the whole key under a server-side pepper, so a
copy of the database alone cannot be used to call the API.
"""

from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class Mode(models.TextChoices):
    LIVE = "live", "Live"
    SANDBOX = "sandbox", "Sandbox"


class Scope(models.TextChoices):
    READ = "read", "Read: eligibility, credentials, jobs, allocations, usage"
    PROVISION = "provision", "Provision: create credentials"
    LIFECYCLE = "lifecycle", "Lifecycle: suspend, resume, delete credentials"
    WEBHOOKS = "webhooks", "Webhooks: manage webhook endpoints"


class ApiKeyQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "organisation"}

    def usable(self, now: datetime | None = None) -> "ApiKeyQuerySet":
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at=None)


class ApiKey(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="api_keys"
    )
    # Staff keys act for one EnStream person, with that person's role; issuer keys belong to
    # the issuer, so they outlive whoever created them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_api_keys",
    )
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.LIVE)
    public_id = models.CharField(max_length=16, unique=True, editable=False)
    prefix = models.CharField(max_length=32, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    allowed_cidrs = models.JSONField(default=list, blank=True)
    rate_limit = models.CharField(
        max_length=32, blank=True, help_text="Overrides ENSTREAM_API_RATE_LIMIT, e.g. 600/minute."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix}>"

    @property
    def is_staff_key(self) -> bool:
        return self.user_id is not None

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def get_scopes_display(self) -> str:
        return ", ".join(self.scopes)


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class IdempotencyRecord(models.Model):
    """The first response to a POST with a given Idempotency-Key, replayed to its retries.

    Keys are per organisation and mode, as a bank's sandbox and live integrations are
    separate clients that may well generate the same keys. The stored response body never
    holds a card number (credential responses carry the last four digits only) nor a secret
    shown once (the view names such fields and they are blanked in the stored copy).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    mode = models.CharField(max_length=8, choices=Mode.choices)
    token = models.CharField(max_length=255, verbose_name="Idempotency-Key")
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(
        max_length=12, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS
    )
    locked_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_data = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "mode", "token"], name="one_idempotency_record_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.state}]"
