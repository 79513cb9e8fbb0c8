"""Resale agreements and their network lines.

One agreement per issuer is in force at a time. It carries the one price plan for all its
networks; a network line carries no prices at all, so every network is on the same terms by
construction.
"""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet

MAX_NETWORKS = 5


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class LineStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    LIVE = "live", "Live"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ResaleAgreementQuerySet(TenantQuerySet):
    # MNOs never see resale agreements: the agreement is where the resale price lives.
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "issuer__organisation"}

    def in_force(self, on: date) -> "ResaleAgreementQuerySet":
        """Agreements that were activated and whose term (cut short by an early end) holds
        `on`."""
        return self.filter(
            models.Q(ended_on__isnull=True, expires_on__gte=on) | models.Q(ended_on__gte=on),
            activated_at__isnull=False,
            effective_on__lte=on,
        )

    def occupying_term(self) -> "ResaleAgreementQuerySet":
        """Agreements that hold their dates against another agreement of the same issuer:
        every one except those ended before they were ever activated."""
        return self.exclude(status=AgreementStatus.ENDED, activated_at__isnull=True)


class ResaleAgreement(models.Model):
    issuer = models.ForeignKey(
        "issuers.Issuer", on_delete=models.PROTECT, related_name="agreements"
    )
    number = models.CharField(max_length=40, unique=True)
    effective_on = models.DateField()
    expires_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    price_plan = models.ForeignKey(
        "billing.PricePlan", on_delete=models.PROTECT, related_name="resale_agreements"
    )
    signed_on = models.DateField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(
        null=True, blank=True, help_text="The last day in force, when ended before expiry."
    )
    end_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ResaleAgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["issuer__legal_name", "-effective_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("effective_on")),
                name="agreement_term_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.issuer})"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id

    @property
    def last_day(self) -> date:
        return self.ended_on or self.expires_on

    def covers(self, on: date) -> bool:
        return self.effective_on <= on <= self.last_day

    def is_in_force(self, on: date) -> bool:
        return self.activated_at is not None and self.covers(on)


class NetworkLineQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {
        OrgKind.ISSUER: "agreement__issuer__organisation",
        OrgKind.MNO: "mno__organisation",
    }

    def current(self) -> "NetworkLineQuerySet":
        return self.exclude(status=LineStatus.WITHDRAWN)


class NetworkLine(models.Model):
    """One MNO's network under a resale agreement, phased in on its own date."""

    agreement = models.ForeignKey(ResaleAgreement, on_delete=models.PROTECT, related_name="lines")
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="network_lines")
    phase_in_on = models.DateField(help_text="The planned first day on this network.")
    status = models.CharField(max_length=16, choices=LineStatus.choices, default=LineStatus.PLANNED)
    live_from = models.DateField(null=True, blank=True, help_text="The first day covered.")
    live_until = models.DateField(
        null=True, blank=True, help_text="The last day covered, once withdrawn."
    )
    withdraw_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = NetworkLineQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "phase_in_on", "mno__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "mno"],
                condition=~models.Q(status=LineStatus.WITHDRAWN),
                name="one_current_line_per_network",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement.number} on {self.mno}"

    def audit_organisation(self) -> int:
        return self.agreement.issuer.organisation_id

    def covers(self, on: date) -> bool:
        if self.live_from is None or on < self.live_from:
            return False
        return self.live_until is None or on <= self.live_until
