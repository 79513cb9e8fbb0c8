"""Jobs: one over-the-air operation on one SE, a state machine persisted here and advanced one
network round trip per Celery task; and the log of its steps."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enstream.accounts.roles import OrgKind
from enstream.tenancy import TenantQuerySet


class JobKind(models.TextChoices):
    PROVISION = "provision", "Provision"
    SUSPEND = "suspend", "Suspend"
    RESUME = "resume", "Resume"
    DELETE = "delete", "Delete"
    SSD_CREATE = "ssd_create", "Create SSD"
    SSD_DELETE = "ssd_delete", "Delete SSD"
    KEY_ROTATE = "key_rotate", "Rotate SSD keys"
    MIGRATE = "migrate", "Migrate to a new SIM"


class JobState(models.TextChoices):
    # Waiting for its turn: another job is active on the same SE.
    QUEUED = "queued", "Queued"
    # Its SE's active job, with a task on its way to build and send the next script.
    READY = "ready", "Ready"
    AWAITING_REPLY = "awaiting_reply", "Awaiting reply"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATES = (JobState.READY, JobState.AWAITING_REPLY, JobState.RETRY_WAIT)
TERMINAL_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)
OPEN_STATES = (JobState.QUEUED, *ACTIVE_STATES)


class JobQuerySet(TenantQuerySet):
    tenant_lookups: ClassVar[dict[str, str]] = {OrgKind.ISSUER: "issuer__organisation"}

    def open(self) -> "JobQuerySet":
        return self.filter(state__in=OPEN_STATES)


class Job(models.Model):
    """The job's whole progress lives in this row, so any worker can take it up after another
    died: `context` holds what the card is known to hold and the spec of the script in flight
    (never a key, never card data); `lease_token` is the fencing counter every write checks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    se = models.ForeignKey("mno.SecureElement", on_delete=models.PROTECT, related_name="jobs")
    # The network the job runs over (an SE can be ported later): boards and diagnostics group by it.
    mno = models.ForeignKey("mno.MNO", on_delete=models.PROTECT, related_name="+")
    issuer = models.ForeignKey("issuers.Issuer", on_delete=models.PROTECT, related_name="jobs")
    credential = models.ForeignKey(
        "provisioning.Credential",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    domain = models.ForeignKey(
        "provisioning.IssuerDomain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    sandbox = models.BooleanField(default=False)
    # What asked for it beyond a person: a diagnostics code such as "sim_swap".
    cause = models.CharField(max_length=40, blank=True)
    step = models.CharField(max_length=60, blank=True)
    # Scripts submitted so far (each gets a new correlation), transient retries of the current
    # step, and rebuilds after the card turned out to differ from what was known.
    seq = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=0)
    rebuilds = models.PositiveSmallIntegerField(default=0)
    correlation = models.CharField(max_length=200, blank=True)
    exchange = models.ForeignKey(
        "mno.OtaExchange", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    context = models.JSONField(default=dict, blank=True)
    lease_token = models.PositiveBigIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    reply_deadline = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    # Ended while a script's effect on the card was unknown: the next job on the SE re-reads it.
    left_in_doubt = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One job at a time on a card: the others wait their turn in QUEUED.
            models.UniqueConstraint(
                fields=["se"],
                condition=Q(state__in=[s.value for s in ACTIVE_STATES]),
                name="one_active_job_per_se",
            )
        ]
        indexes = [
            models.Index(fields=["se", "state", "created_at"], name="job_se_queue"),
            models.Index(fields=["state", "next_attempt_at"], name="job_state_due"),
            models.Index(fields=["state", "reply_deadline"], name="job_state_deadline"),
            models.Index(fields=["issuer", "-created_at"], name="job_issuer_recent"),
            models.Index(fields=["state", "mno"], name="job_state_mno"),
            models.Index(fields=["finished_at", "failure_code"], name="job_failures"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} job {str(self.pk)[:8]} ({self.get_state_display()})"

    def audit_organisation(self) -> int:
        return self.issuer.organisation_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class StepOutcome(models.TextChoices):
    OK = "ok", "Done"
    REBUILD = "rebuild", "Card differed: rebuilt"
    RETRY = "retry", "Transient fault: retried"
    FAILED = "failed", "Failed"
    PENDING = "pending", "Awaiting reply"
    ABANDONED = "abandoned", "Abandoned"


class JobStep(models.Model):
    """One script sent for a job: what travelled (command headers only, never data), what came
    back (status words only) and how long the network took."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=60)
    attempt = models.PositiveSmallIntegerField()
    # [{"header": "84E60C00", "lc": 43, "label": "INSTALL [for install]", "sensitive": false}]
    commands = models.JSONField(default=list)
    # Status words in order, e.g. ["9000", "6A84"]; fewer than commands when the card stopped.
    responses = models.JSONField(default=list)
    outcome = models.CharField(
        max_length=12, choices=StepOutcome.choices, default=StepOutcome.PENDING
    )
    error_code = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    exchange_id = models.UUIDField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    replied_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="one_step_per_seq")]

    def __str__(self) -> str:
        return f"{self.name} #{self.seq} ({self.outcome})"
