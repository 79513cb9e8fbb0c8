"""Mobile network operators: who they are, how we reach their SEM, and what we buy from them.

The SE registry and the OTA transports will join this app later; they hang off `MNO`.
"""

from datetime import date
from typing import ClassVar

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from billing.money import currency_field, unit_price_field
from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class MnoStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    LIVE = "live", "Live"
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


class AdapterKind(models.TextChoices):
    """How the SP TSM reaches this network's SEM and OTA channel. The transports themselves
    live with provisioning; a new gateway adds a choice here."""

    SIMULATED = "simulated", "Simulated network (virtual SEs)"
    HTTP_GATEWAY = "http_gateway", "HTTP OTA gateway"
    SMPP = "smpp", "SMS (SMPP) OTA channel"


class MnoQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "organisation"}


class MNO(models.Model):
    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="mno",
        limit_choices_to={"kind": OrgKind.MNO},
    )
    name = models.CharField(max_length=120, unique=True)
    short_code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{1,7}$", "2-8 capital letters or digits.")],
    )
    status = models.CharField(max_length=16, choices=MnoStatus.choices, default=MnoStatus.LIVE)
    contacts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MnoQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "MNO"
        verbose_name_plural = "MNOs"

    def __str__(self) -> str:
        return self.name

    def audit_organisation(self) -> int:
        return self.organisation_id

    @property
    def plmn_codes(self) -> list[str]:
        return [f"{code.mcc}-{code.mnc}" for code in self.network_codes.all()]


class NetworkCodeQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "mno__organisation"}


class NetworkCode(models.Model):
    """One MCC/MNC pair (PLMN) of an MNO; a pair belongs to one network only."""

    mno = models.ForeignKey(MNO, on_delete=models.CASCADE, related_name="network_codes")
    mcc = models.CharField(max_length=3, validators=[RegexValidator(r"^\d{3}$", "3 digits.")])
    mnc = models.CharField(max_length=3, validators=[RegexValidator(r"^\d{2,3}$", "2-3 digits.")])

    objects = NetworkCodeQuerySet.as_manager()

    class Meta:
        ordering = ["mcc", "mnc"]
        constraints = [models.UniqueConstraint(fields=["mcc", "mnc"], name="unique_plmn")]

    def __str__(self) -> str:
        return f"{self.mcc}-{self.mnc}"


class ConnectionSettingsQuerySet(TenantQuerySet):
    # Operations configure these; the MNO's own staff have no use for them in the portal.
    tenant_lookups: ClassVar[dict[str, str]] = {}


class ConnectionSettings(models.Model):
    """How to reach the network's SEM and OTA channel. Non-secret parameters (endpoints,
    timeouts, TAR values) are plain JSON; the credential is sealed in the keystore."""

    mno = models.OneToOneField(MNO, on_delete=models.CASCADE, related_name="connection")
    adapter_kind = models.CharField(
        max_length=32, choices=AdapterKind.choices, default=AdapterKind.SIMULATED
    )
    parameters = models.JSONField(default=dict, blank=True)
    credential = models.ForeignKey(
        "keystore.Secret", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ConnectionSettingsQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "connection settings"
        verbose_name_plural = "connection settings"

    def __str__(self) -> str:
        return f"{self.mno} via {self.get_adapter_kind_display()}"

    def audit_organisation(self) -> int:
        return self.mno.organisation_id

    @property
    def credential_owner(self) -> str:
        return f"mno.connection:{self.mno_id}"


class WholesaleAgreementQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "mno__organisation"}

    def in_force(self, on: date) -> "WholesaleAgreementQuerySet":
        return self.filter(starts_on__lte=on, ends_on__gte=on)


class WholesaleAgreement(models.Model):
    """What EnStream buys from one MNO over one term (both dates inclusive). Terms of one MNO
    never overlap, so at most one is in force on any day."""

    mno = models.ForeignKey(MNO, on_delete=models.PROTECT, related_name="wholesale_agreements")
    reference = models.CharField(max_length=40, unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    capacity_ssds = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    capacity_bytes = models.PositiveBigIntegerField(validators=[MinValueValidator(1)])
    price_per_active_ssd_month = unit_price_field("per active SSD per month")
    price_per_ota_operation = unit_price_field("per OTA operation")
    price_per_credential_provisioned = unit_price_field("per credential provisioned")
    currency = currency_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WholesaleAgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["mno__name", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="wholesale_term_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.mno}, {self.starts_on} to {self.ends_on})"

    def audit_organisation(self) -> int:
        return self.mno.organisation_id

    def covers(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on


# The SE registry, key custody, virtual SIMs and OTA exchanges live in their own modules;
# importing them here registers their models with Django.
from mno.custody import SdKeySet  # noqa: E402
from mno.ota.models import OtaExchange  # noqa: E402
from mno.registry import MsisdnAssignment, SecureElement, SubscriberMove  # noqa: E402
from mno.virtual_cards import VirtualCardState  # noqa: E402

__all__ = [
    "MNO",
    "ConnectionSettings",
    "MsisdnAssignment",
    "NetworkCode",
    "OtaExchange",
    "SdKeySet",
    "SecureElement",
    "SubscriberMove",
    "VirtualCardState",
    "WholesaleAgreement",
]
