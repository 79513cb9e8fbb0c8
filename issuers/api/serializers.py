"""Agreements, network lines and allocations as the API shows them, and the inputs of the
staff operations. No serializer here carries a price: the plan is named, never priced (its
prices are at /price-plans, which MNO callers cannot read)."""

from dataclasses import asdict
from typing import Any

from rest_framework import serializers

from billing.models import PricePlan
from issuers.models import Allocation, Issuer, NetworkLine, ResaleAgreement, SsdPrivilege
from issuers.selectors import allocation_usage
from mno.models import MNO


class NetworkLineSerializer(serializers.ModelSerializer):
    agreement_number = serializers.CharField(source="agreement.number", read_only=True)
    issuer_name = serializers.CharField(source="agreement.issuer.legal_name", read_only=True)
    mno_name = serializers.CharField(source="mno.name", read_only=True)
    mno_code = serializers.CharField(source="mno.short_code", read_only=True)

    class Meta:
        model = NetworkLine
        fields = [
            "id",
            "agreement",
            "agreement_number",
            "issuer_name",
            "mno",
            "mno_name",
            "mno_code",
            "phase_in_on",
            "status",
            "live_from",
            "live_until",
            "withdraw_reason",
        ]
        read_only_fields = fields


class ResaleAgreementSerializer(serializers.ModelSerializer):
    issuer_name = serializers.CharField(source="issuer.legal_name", read_only=True)
    price_plan = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = NetworkLineSerializer(many=True, read_only=True)

    class Meta:
        model = ResaleAgreement
        fields = [
            "id",
            "number",
            "issuer",
            "issuer_name",
            "status",
            "effective_on",
            "expires_on",
            "signed_on",
            "activated_at",
            "ended_on",
            "end_reason",
            "price_plan",
            "lines",
        ]
        read_only_fields = fields


class UsageSerializer(serializers.Serializer):
    cap = serializers.IntegerField()
    ssds_created = serializers.IntegerField()
    ssds_remaining = serializers.IntegerField()
    bytes_reserved = serializers.IntegerField()
    bytes_used = serializers.IntegerField()
    percent_used = serializers.IntegerField()


class AllocationSerializer(serializers.ModelSerializer):
    mno_name = serializers.CharField(source="network_line.mno.name", read_only=True)
    issuer_name = serializers.CharField(
        source="network_line.agreement.issuer.legal_name", read_only=True
    )
    usage = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = [
            "id",
            "network_line",
            "mno_name",
            "issuer_name",
            "status",
            "nv_quota_bytes",
            "v_quota_bytes",
            "privileges",
            "expected_ssds",
            "monthly_forecast",
            "note",
            "approved_cap",
            "decision_reason",
            "requested_at",
            "decided_at",
            "usage",
        ]
        read_only_fields = fields

    def get_usage(self, allocation: Allocation) -> dict[str, Any]:
        usage = allocation_usage(allocation)
        return UsageSerializer(
            {
                **asdict(usage),
                "ssds_remaining": usage.ssds_remaining,
                "percent_used": usage.percent_used,
            }
        ).data


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id the caller may see; another tenant's id reads as unknown."""

    def get_queryset(self) -> Any:
        model = self.queryset.model  # type: ignore[union-attr]
        return model.objects.for_user(self.context["request"].user)


class AgreementCreateInput(serializers.Serializer):
    issuer = ScopedPrimaryKeyField(queryset=Issuer.objects.all())
    effective_on = serializers.DateField()
    expires_on = serializers.DateField()
    price_plan = serializers.SlugRelatedField(slug_field="code", queryset=PricePlan.objects.all())
    number = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class DayInput(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class NetworkLineCreateInput(serializers.Serializer):
    agreement = ScopedPrimaryKeyField(queryset=ResaleAgreement.objects.all())
    mno = serializers.PrimaryKeyRelatedField(queryset=MNO.objects.all())
    phase_in_on = serializers.DateField()


class AllocationRequestInput(serializers.Serializer):
    network_line = ScopedPrimaryKeyField(queryset=NetworkLine.objects.all())
    nv_quota_bytes = serializers.IntegerField()
    v_quota_bytes = serializers.IntegerField()
    expected_ssds = serializers.IntegerField()
    monthly_forecast = serializers.IntegerField(required=False, default=0)
    privileges = serializers.ListField(
        child=serializers.ChoiceField(choices=SsdPrivilege.choices), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveInput(serializers.Serializer):
    cap = serializers.IntegerField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
