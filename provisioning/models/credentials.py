"""Credentials (one payment card on one SE) and the issuer security domains they live in."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet
from issuers.models import PaymentNetwork


class CredentialState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    PROVISIONING = "provisioning", "Provisioning"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DELETED = "deleted", "Deleted"
    FAILED = "failed", "Failed"


# A credential in these states holds (or is about to hold) its instance AID on the card.
HOLDS_INSTANCE = (
    CredentialState.REQUESTED,
    CredentialState.PROVISIONING,
    CredentialState.ACTIVE,
    CredentialState.SUSPENDED,
)


class DomainState(models.TextChoices):
    # The SEM's script that creates it is planned or in flight: the card may or may not have it.
    CREATING = "creating", "Creating"
    ACTIVE = "active", "Active"
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"


class IssuerDomainQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "issuer__organisation",
        OrgKind.MNO: "se__mno__organisation",
    }


class IssuerDomain(models.Model):
    """An issuer's supplementary security domain (SSD) on one SE: SE space in use.

    Its keys are in custody (mno.custody, by SE and AID); this row says which allocation pays
    for it and whether its creation was counted against that allocation.
    """

    se = models.ForeignKey("mno.SecureElement", on_delete=models.PROTECT, related_name="domains")
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.PROTECT, related_name="domains")
    allocation = models.ForeignKey(
        "issuers.Allocation", on_delete=models.PROTECT, related_name="domains"
    )
    aid = models.CharField("SSD AID", max_length=32)
    state = models.CharField(max_length=12, choices=DomainState.choices)
    nv_quota = models.PositiveIntegerField()
    v_quota = models.PositiveIntegerField()
    # Counted in the allocation's usage (issuers.allocation_record_usage) exactly once.
    usage_recorded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    active_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = IssuerDomainQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["se", "issuer"],
                condition=~Q(state="deleted"),
                name="one_domain_per_issuer_per_se",
            ),
            models.UniqueConstraint(
                fields=["se", "aid"], condition=~Q(state="deleted"), name="one_domain_per_aid"
            ),
        ]

    def __str__(self) -> str:
        return f"SSD {self.aid} on {self.se_id}"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id

    @property
    def aid_bytes(self) -> bytes:
        return bytes.fromhex(self.aid)


class CredentialQuerySet(TenantQuerySet):
    # MNO staff see SE space, never the cards on it.
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "issuer__organisation"}


class Credential(models.Model):
    """One payment card on one subscriber's SE.

    The card number is never stored: `pan_last4` for people and `pan_hash` (keyed, from
    `enstream.keystore.lookup_hash`) for look-ups. The card data needed to personalise the
    applet is sealed in `card_data` on receipt and destroyed once personalised, or when the
    provisioning fails for good.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    issuer = models.ForeignKey(
        "issuers.Issuer", on_delete=models.PROTECT, related_name="credentials"
    )
    se = models.ForeignKey(
        "mno.SecureElement", on_delete=models.PROTECT, related_name="credentials"
    )
    domain = models.ForeignKey(
        IssuerDomain, on_delete=models.PROTECT, null=True, blank=True, related_name="credentials"
    )
    msisdn = models.CharField("MSISDN", max_length=16)
    scheme = models.CharField(max_length=16, choices=PaymentNetwork.choices)
    applet_profile = models.CharField(max_length=40)
    pan_last4 = models.CharField("last four digits", max_length=4)
    pan_hash = models.CharField(max_length=64, editable=False)
    expiry_month = models.PositiveSmallIntegerField()
    expiry_year = models.PositiveSmallIntegerField()
    token_reference = models.CharField(max_length=64, blank=True)
    instance_aid = models.CharField("instance AID", max_length=32)
    state = models.CharField(
        max_length=16, choices=CredentialState.choices, default=CredentialState.REQUESTED
    )
    # Why it is suspended, deleted or failed: a diagnostics code (provisioning/diagnostics.py).
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    card_data = models.OneToOneField(
        "keystore.Secret", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sandbox = models.BooleanField(default=False)
    # A SIM swap or port prepares a replacement on the new SE; this points back to the old one.
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replacements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    provisioning_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["se", "instance_aid"],
                condition=Q(state__in=[s.value for s in HOLDS_INSTANCE]),
                name="one_instance_aid_per_card",
            ),
            models.CheckConstraint(
                condition=Q(expiry_month__gte=1, expiry_month__lte=12), name="expiry_month_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["issuer", "state"], name="credential_issuer_state"),
            models.Index(fields=["msisdn"], name="credential_msisdn"),
            models.Index(fields=["pan_hash"], name="credential_pan_hash"),
            models.Index(fields=["se", "state"], name="credential_se_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} ••••{self.pan_last4} on {self.msisdn}"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id

    @property
    def instance_aid_bytes(self) -> bytes:
        return bytes.fromhex(self.instance_aid)

    @property
    def expiry(self) -> str:
        return f"{self.expiry_month:02d}/{self.expiry_year % 100:02d}"

    @property
    def card_data_owner(self) -> str:
        return f"provisioning.credential:{self.pk}"
