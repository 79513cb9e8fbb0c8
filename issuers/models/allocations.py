"""SE space: an issuer's request for, and entitlement to, SSDs on one network."""

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class AllocationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    REVOKED = "revoked", "Revoked"


class SsdPrivilege(models.TextChoices):
    """Privileges an issuer's SSD may ask for beyond Security Domain (always set). The values
    are the member names of provisioning.gp.registry.Privilege, lower-cased; card-wide
    privileges (lock, terminate, global ...) stay with the MNO's ISD."""

    DELEGATED_MANAGEMENT = "delegated_management", "Delegated management"
    AUTHORIZED_MANAGEMENT = "authorized_management", "Authorized management"
    DAP_VERIFICATION = "dap_verification", "DAP verification"
    TOKEN_VERIFICATION = "token_verification", "Token verification"
    RECEIPT_GENERATION = "receipt_generation", "Receipt generation"
    TRUSTED_PATH = "trusted_path", "Trusted path"
    CIPHERED_LOAD_FILE_DATA_BLOCK = "ciphered_load_file_data_block", "Ciphered load file"


class AllocationQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "network_line__agreement__issuer__organisation",
        OrgKind.MNO: "network_line__mno__organisation",
    }


class Allocation(models.Model):
    """Requested with an SSD template and a forecast; approved with a cap of SSDs, or rejected
    with a reason. The usage counters are kept by provisioning through
    `allocation_record_usage`, never edited by hand."""

    network_line = models.ForeignKey(
        "issuers.NetworkLine", on_delete=models.PROTECT, related_name="allocations"
    )
    nv_quota_bytes = models.PositiveIntegerField(
        "non-volatile quota (bytes)", validators=[MinValueValidator(1)]
    )
    v_quota_bytes = models.PositiveIntegerField(
        "volatile quota (bytes)", validators=[MinValueValidator(1)]
    )
    privileges = models.JSONField(default=list, blank=True)
    expected_ssds = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    monthly_forecast = models.PositiveIntegerField(
        default=0, help_text="SSDs expected to be created per month."
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=AllocationStatus.choices, default=AllocationStatus.REQUESTED
    )
    approved_cap = models.PositiveIntegerField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ssds_created = models.PositiveIntegerField(default=0)
    bytes_used = models.PositiveBigIntegerField(default=0)

    objects = AllocationQuerySet.as_manager()
    # The counters move with every SSD provisioning creates; the history is about decisions.
    history = HistoricalRecords(excluded_fields=["ssds_created", "bytes_used"])

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=AllocationStatus.APPROVED)
                | models.Q(approved_cap__gte=1),
                name="approved_allocation_has_cap",
            )
        ]

    def __str__(self) -> str:
        return f"allocation #{self.pk} on {self.network_line}"

    def audit_organisation(self) -> int:
        return self.network_line.agreement.issuer.organisation_id

    @property
    def bytes_per_ssd(self) -> int:
        """What one SSD of this template reserves on a SIM: both quotas count against the
        MNO's wholesale capacity."""
        return self.nv_quota_bytes + self.v_quota_bytes
