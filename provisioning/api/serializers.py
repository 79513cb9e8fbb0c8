"""What the credential endpoints read and answer.

Input serializers check shapes and types only: the services judge the card (Luhn, expiry,
the scheme's number range, the name) and the subscriber's SIM, and their codes reach the caller
with the field at fault. No serializer here ever returns a card number: a credential shows its
last four digits.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from issuers.models import PaymentNetwork
from provisioning.diagnostics import diagnose
from provisioning.eligibility import Eligibility
from provisioning.models import Credential, Job, JobStep
from provisioning.profiles import PROFILES

SCHEMES = PaymentNetwork.values
APPLET_PROFILES = sorted(PROFILES)
# Formats a time as every DateTimeField of the API does (ISO 8601, the current time zone).
_TIME = serializers.DateTimeField()


def _time(value: Any) -> str | None:
    return None if value is None else _TIME.to_representation(value)


def _one_of(what: str, values: list[str]) -> dict[str, str]:
    # DRF's own message repeats the input, which may be a card number sent in the wrong field.
    return {"invalid_choice": f"{what} is one of {', '.join(values)}."}


class CardDataInput(serializers.Serializer):
    pan = serializers.CharField(
        write_only=True,
        max_length=32,
        help_text="The card number, 13 to 19 digits (spaces and dashes are ignored). Checked "
        "with Luhn and against the scheme's ranges; never returned, logged or stored in clear.",
    )
    expiry_month = serializers.IntegerField(help_text="1 to 12.")
    expiry_year = serializers.IntegerField(help_text="Four digits (2030), or two (30).")
    cardholder_name = serializers.CharField(
        max_length=64,
        help_text="As embossed: 1 to 26 printable ASCII characters once spaces are collapsed.",
    )
    token_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="Your reference for this card (a token reference), returned as is.",
    )
    pan_sequence = serializers.IntegerField(
        required=False, default=0, help_text="PAN sequence number, 0 to 99."
    )


class CredentialCreateInput(serializers.Serializer):
    msisdn = serializers.CharField(
        max_length=32, help_text="The subscriber's mobile number, E.164 (+14165550123)."
    )
    scheme = serializers.ChoiceField(
        choices=PaymentNetwork.choices, error_messages=_one_of("Scheme", SCHEMES)
    )
    applet_profile = serializers.ChoiceField(
        choices=APPLET_PROFILES,
        error_messages=_one_of("Applet profile", APPLET_PROFILES),
        help_text="The payment application to instantiate; it must match the scheme "
        "(visa_vsdc or visa_debit for visa, mastercard_mchip, interac_flash).",
    )
    card_data = CardDataInput()


class CardDataSupplyInput(serializers.Serializer):
    card_data = CardDataInput(
        help_text="The same card as the credential's (its number is checked against it), as "
        "in POST /credentials; a renewed expiry is taken."
    )


class SuspendInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why, for your records (e.g. lost phone).",
    )


class EligibilityQuery(serializers.Serializer):
    msisdn = serializers.CharField(
        max_length=32, help_text="The subscriber's mobile number, E.164 (+14165550123)."
    )


class ReasonSerializer(serializers.Serializer):
    """A diagnostics code and what it means (docs/api.md lists them)."""

    code = serializers.CharField()
    title = serializers.CharField()
    message = serializers.CharField()
    action = serializers.CharField(help_text="What to do about it.")

    @staticmethod
    def of(code: str, message: str = "") -> dict[str, str]:
        entry = diagnose(code)
        return {
            "code": code,
            "title": entry.title,
            "message": message or entry.cause,
            "action": entry.action,
        }


class JobSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "state", "created_at"]
        read_only_fields = fields

    def to_representation(self, job: Job) -> dict[str, Any]:
        # Written out, as CredentialSerializer's, which every credential answer embeds.
        return {
            "id": str(job.id),
            "kind": job.kind,
            "state": job.state,
            "created_at": _time(job.created_at),
        }


class CredentialSerializer(serializers.ModelSerializer):
    network = serializers.CharField(source="se.mno.short_code", help_text="The network's code.")
    last4 = serializers.CharField(source="pan_last4", help_text="The card number's last four.")
    expiry = serializers.SerializerMethodField(help_text="ISO 8601 year and month.")
    livemode = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text="Why it is suspended, deleted or failed; null otherwise."
    )
    job = serializers.SerializerMethodField(
        help_text="Its latest job: the one a POST just queued, or the last that ran."
    )

    class Meta:
        model = Credential
        fields = [
            "id",
            "state",
            "msisdn",
            "network",
            "scheme",
            "applet_profile",
            "last4",
            "expiry",
            "token_reference",
            "livemode",
            "reason",
            "job",
            "requested_at",
            "activated_at",
            "suspended_at",
            "deleted_at",
            "failed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, credential: Credential) -> dict[str, Any]:
        # Written out: the generic ModelSerializer path builds and binds a field object per
        # column for each credential it shows, the larger part of a GET's time in Python.
        # The declared fields above still describe the answer (OpenAPI), and
        # tests/api_credentials/test_answer_shape.py holds the two to the same output.
        return {
            "id": str(credential.id),
            "state": credential.state,
            "msisdn": credential.msisdn,
            "network": credential.se.mno.short_code,
            "scheme": credential.scheme,
            "applet_profile": credential.applet_profile,
            "last4": credential.pan_last4,
            "expiry": self.get_expiry(credential),
            "token_reference": credential.token_reference,
            "livemode": self.get_livemode(credential),
            "reason": self.get_reason(credential),
            "job": self.get_job(credential),
            "requested_at": _time(credential.requested_at),
            "activated_at": _time(credential.activated_at),
            "suspended_at": _time(credential.suspended_at),
            "deleted_at": _time(credential.deleted_at),
            "failed_at": _time(credential.failed_at),
            "updated_at": _time(credential.updated_at),
        }

    def get_expiry(self, credential: Credential) -> str:
        return f"{credential.expiry_year:04d}-{credential.expiry_month:02d}"

    def get_livemode(self, credential: Credential) -> bool:
        return not credential.sandbox

    @extend_schema_field(ReasonSerializer(allow_null=True))
    def get_reason(self, credential: Credential) -> dict[str, str] | None:
        if not credential.reason_code:
            return None
        return ReasonSerializer.of(credential.reason_code, credential.reason)

    @extend_schema_field(JobSummarySerializer(allow_null=True))
    def get_job(self, credential: Credential) -> dict[str, Any] | None:
        # The views prefetch the jobs newest first; a list page costs one query for all.
        jobs = getattr(credential, "recent_jobs", None)
        latest = jobs[0] if jobs else None
        return JobSummarySerializer(latest).data if latest is not None else None


class JobStepSerializer(serializers.ModelSerializer):
    commands = serializers.SerializerMethodField(
        help_text="The commands of the script, by name (never their data)."
    )
    status_words = serializers.ListField(
        source="responses", child=serializers.CharField(), help_text="The SIM's answers."
    )

    class Meta:
        model = JobStep
        fields = [
            "seq",
            "name",
            "attempt",
            "outcome",
            "error_code",
            "detail",
            "commands",
            "status_words",
            "submitted_at",
            "replied_at",
            "duration_ms",
        ]
        read_only_fields = fields

    def get_commands(self, step: JobStep) -> list[str]:
        return [str(command.get("label", "")) for command in step.commands]


class JobSerializer(serializers.ModelSerializer):
    network = serializers.CharField(source="mno.short_code")
    credential = serializers.UUIDField(source="credential_id", allow_null=True)
    livemode = serializers.SerializerMethodField()
    duration_ms = serializers.SerializerMethodField(
        help_text="From start to end (or to now, while it runs); null before it starts."
    )
    failure = serializers.SerializerMethodField(help_text="Why it failed; null otherwise.")
    steps = JobStepSerializer(many=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "credential",
            "network",
            "livemode",
            "step",
            "attempt",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "steps",
        ]
        read_only_fields = fields

    def get_livemode(self, job: Job) -> bool:
        return not job.sandbox

    def get_duration_ms(self, job: Job) -> int | None:
        if job.started_at is None:
            return None
        end = job.finished_at or self.context["now"]
        return max(int((end - job.started_at).total_seconds() * 1000), 0)

    @extend_schema_field(ReasonSerializer(allow_null=True))
    def get_failure(self, job: Job) -> dict[str, str] | None:
        if not job.failure_code:
            return None
        return ReasonSerializer.of(job.failure_code, job.failure_message)


class EligibilitySerializer(serializers.Serializer):
    """Can the caller put a card on this subscriber's SIM today, and if not, why not."""

    msisdn = serializers.CharField(help_text="The number, as EnStream reads it (E.164).")
    eligible = serializers.BooleanField()
    network = serializers.SerializerMethodField(help_text="The network's code; null if unknown.")
    network_name = serializers.SerializerMethodField()
    nfc_capable = serializers.BooleanField()
    gp_version = serializers.CharField(help_text="GlobalPlatform version of the SIM.")
    secure_channel = serializers.CharField(help_text="The SIM's secure channel protocol.")
    free_nv_bytes = serializers.IntegerField()
    free_v_bytes = serializers.IntegerField()
    covered_today = serializers.BooleanField(
        help_text="Whether your agreement covers this network today."
    )
    ssd_present = serializers.SerializerMethodField(
        help_text="Whether your security domain is already on this SIM (no new space needed)."
    )
    allocation = serializers.SerializerMethodField(
        help_text="The SE space allocation a new security domain would count against."
    )
    allocation_has_room = serializers.SerializerMethodField()
    ssds_remaining = serializers.IntegerField(
        allow_null=True, help_text="Security domains the allocation still allows."
    )
    reasons = serializers.SerializerMethodField(help_text="Empty when eligible.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_network(self, result: Eligibility) -> str | None:
        return result.network.short_code if result.network is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_network_name(self, result: Eligibility) -> str | None:
        return result.network.name if result.network is not None else None

    def get_ssd_present(self, result: Eligibility) -> bool:
        return result.domain is not None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_allocation(self, result: Eligibility) -> int | None:
        return result.allocation.pk if result.allocation is not None else None

    def get_allocation_has_room(self, result: Eligibility) -> bool:
        # The service names an allocation only when it has room (or the SSD is already there).
        return result.domain is not None or result.allocation is not None

    @extend_schema_field(ReasonSerializer(many=True))
    def get_reasons(self, result: Eligibility) -> list[dict[str, str]]:
        return [ReasonSerializer.of(code) for code in result.reasons]
