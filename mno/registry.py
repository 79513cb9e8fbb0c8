"""The SE registry: every secure element EnStream can reach, on which network, for which line.

A `SecureElement` is one SIM's GlobalPlatform SE, named by its ICCID, with what it can do
(NFC over SWP, GP version, SCP and i, free memory). MSISDN <-> ICCID assignments and
subscriber moves (SIM swaps, ports to another network) are kept as history rows, never
overwritten, so a job or a person can tell which card a line was on at any time.
"""

from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet
from mno.identifiers import luhn_valid

ISD_AID_DEFAULT = "A000000151000000"
_AID = RegexValidator(r"^([0-9A-F]{2}){5,16}$", "An AID is 5 to 16 bytes in capital hex.")


def validate_iccid(value: str) -> None:
    from django.core.exceptions import ValidationError

    if not (value.isdigit() and 18 <= len(value) <= 20 and luhn_valid(value)):
        raise ValidationError("An ICCID is 18 to 20 digits with a valid Luhn check digit.")


class SeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # Blocked by the network (lost, stolen, unpaid): unreachable over the air until resumed.
    SUSPENDED = "suspended", "Suspended"
    RETIRED = "retired", "Retired"


class Scp(models.IntegerChoices):
    SCP02 = 2, "SCP02"
    SCP03 = 3, "SCP03"


class SecureElementQuerySet(TenantQuerySet):
    # An MNO sees its network's SEs; issuers see their credentials, never the registry.
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "mno__organisation"}

    def for_organisation(self, organisation: Any) -> "SecureElementQuerySet":
        scoped = super().for_organisation(organisation)
        # The sandbox fleet is EnStream's virtual SIMs, not the network's inventory.
        if organisation.kind == OrgKind.MNO:
            scoped = scoped.filter(sandbox=False)
        return scoped  # type: ignore[return-value]


class SecureElement(models.Model):
    iccid = models.CharField("ICCID", max_length=20, unique=True, validators=[validate_iccid])
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="secure_elements")
    # NULL, not "", when the SE has no line: the partial unique constraint skips NULLs.
    msisdn = models.CharField("MSISDN", max_length=16, null=True, blank=True)  # noqa: DJ001
    nfc_capable = models.BooleanField("NFC (SWP) capable", default=True)
    gp_version = models.CharField("GP version", max_length=8, default="2.3.1")
    scp = models.PositiveSmallIntegerField("SCP", choices=Scp.choices, default=Scp.SCP03)
    scp_i = models.PositiveSmallIntegerField(
        "SCP i parameter", default=0x70, validators=[MaxValueValidator(0xFF)]
    )
    isd_aid = models.CharField("ISD AID", max_length=32, default=ISD_AID_DEFAULT, validators=[_AID])
    free_nv_bytes = models.PositiveIntegerField("free non-volatile memory (bytes)", default=0)
    free_v_bytes = models.PositiveIntegerField("free volatile memory (bytes)", default=0)
    status = models.CharField(max_length=16, choices=SeStatus.choices, default=SeStatus.ACTIVE)
    # The virtual fleet a sandbox API key may reach; live and sandbox never mix.
    sandbox = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SecureElementQuerySet.as_manager()

    class Meta:
        ordering = ["iccid"]
        verbose_name = "secure element"
        constraints = [
            # One line is on one card at a time; a sandbox number may shadow a live one.
            models.UniqueConstraint(
                fields=["sandbox", "msisdn"],
                condition=Q(status="active", msisdn__isnull=False),
                name="unique_active_msisdn",
            ),
            models.CheckConstraint(condition=Q(scp__in=[2, 3]), name="se_scp_known"),
        ]
        indexes = [
            models.Index(fields=["mno", "status"], name="se_mno_status"),
            models.Index(fields=["msisdn"], name="se_msisdn"),
        ]

    def __str__(self) -> str:
        return self.iccid

    def audit_organisation(self) -> int:
        return self.mno.organisation_id

    @property
    def scp_label(self) -> str:
        return f"SCP{self.scp:02d} i={self.scp_i:02X}"

    @property
    def isd_aid_bytes(self) -> bytes:
        return bytes.fromhex(self.isd_aid)


class AssignmentReason(models.TextChoices):
    REGISTERED = "registered", "Registered (import)"
    SIM_SWAP = "sim_swap", "SIM swap"
    PORT = "port", "Port"
    RELEASED = "released", "Released"


class MsisdnAssignmentQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "se__mno__organisation"}


class MsisdnAssignment(models.Model):
    """One period during which a line (MSISDN) was on one SE; open while `ended_at` is null."""

    se = models.ForeignKey(SecureElement, on_delete=models.CASCADE, related_name="assignments")
    msisdn = models.CharField("MSISDN", max_length=16, db_index=True)
    reason = models.CharField(max_length=16, choices=AssignmentReason.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MsisdnAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["se"], condition=Q(ended_at__isnull=True), name="one_open_assignment_per_se"
            )
        ]

    def __str__(self) -> str:
        return f"{self.msisdn} on {self.se_id}"


class MoveKind(models.TextChoices):
    SIM_SWAP = "sim_swap", "SIM swap"
    PORT = "port", "Port to another network"


class SubscriberMoveQuerySet(TenantQuerySet):
    # The network the line arrives on is the one that reports it; the one it left sees it
    # through its own SE's history.
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.MNO: "to_mno__organisation"}


class SubscriberMove(models.Model):
    """A line moved: to a new SIM (swap) or to another network (port), with or without a new
    SIM. Provisioning is told by id (`provisioning.tasks.on_subscriber_moved`) and re-provisions
    or suspends the line's credentials."""

    kind = models.CharField(max_length=16, choices=MoveKind.choices)
    msisdn = models.CharField("MSISDN", max_length=16, db_index=True)
    from_se = models.ForeignKey(SecureElement, on_delete=models.PROTECT, related_name="moves_out")
    to_se = models.ForeignKey(SecureElement, on_delete=models.PROTECT, related_name="moves_in")
    from_mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    to_mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SubscriberMoveQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.msisdn}"

    def audit_organisation(self) -> int:
        return self.to_mno.organisation_id
