"""Price plans with their versions, charges, tiers and shared-cost bands; plan inputs; quotes.

Money is a decimal string ("0.2188"), never a JSON number: unit prices with 4 places, line
amounts and totals with 2.
"""

from typing import Any

from rest_framework import serializers

from billing.models import PriceCharge, PricePlan, PricePlanVersion, PriceTier, SharedCostBand
from billing.pricing import BandSpec, ChargeKind, ChargeSpec, PricingModel, TierSpec


def _price(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, **kwargs)


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, **kwargs)


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceTier
        fields = ["up_to", "unit_price"]


class ChargeSerializer(serializers.ModelSerializer):
    tiers = TierSerializer(many=True, read_only=True)

    class Meta:
        model = PriceCharge
        fields = ["kind", "model", "shares_platform_discount", "tiers"]


class BandSerializer(serializers.ModelSerializer):
    class Meta:
        model = SharedCostBand
        fields = ["from_volume", "discount_percent"]


class VersionSerializer(serializers.ModelSerializer):
    charges = ChargeSerializer(many=True, read_only=True)
    bands = BandSerializer(many=True, read_only=True)

    class Meta:
        model = PricePlanVersion
        fields = ["number", "effective_from", "note", "created_at", "charges", "bands"]


class PricePlanSerializer(serializers.ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = PricePlan
        fields = ["id", "code", "name", "currency", "description", "versions"]


class TierInput(serializers.Serializer):
    up_to = serializers.IntegerField(min_value=1, allow_null=True, required=False, default=None)
    unit_price = _price()


class ChargeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChargeKind.choices)
    model = serializers.ChoiceField(choices=PricingModel.choices)
    shares_platform_discount = serializers.BooleanField(required=False, default=True)
    tiers = TierInput(many=True)


class BandInput(serializers.Serializer):
    from_volume = serializers.IntegerField(min_value=0)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class VersionInput(serializers.Serializer):
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    charges = ChargeInput(many=True)
    bands = BandInput(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["charges"] = [
            ChargeSpec(
                kind=c["kind"],
                model=c["model"],
                shares_platform_discount=c["shares_platform_discount"],
                tiers=tuple(TierSpec(t["up_to"], t["unit_price"]) for t in c["tiers"]),
            )
            for c in attrs["charges"]
        ]
        attrs["bands"] = [BandSpec(b["from_volume"], b["discount_percent"]) for b in attrs["bands"]]
        return attrs


class PricePlanCreateInput(VersionInput):
    code = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=120)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="CAD")
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.pop("note")
        return attrs


class QuoteInput(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "iso-8601"])
    platform_volume = serializers.IntegerField()
    active_ssd_month = serializers.IntegerField(required=False, default=0)
    credential_provisioned = serializers.IntegerField(required=False, default=0)
    lifecycle_operation = serializers.IntegerField(required=False, default=0)
    onboarding = serializers.IntegerField(required=False, default=0)


class TierLineSerializer(serializers.Serializer):
    first_unit = serializers.IntegerField()
    last_unit = serializers.IntegerField(allow_null=True)
    quantity = serializers.IntegerField()
    list_unit_price = _price()
    unit_price = _price()
    amount = _price()


class QuoteLineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    model = serializers.CharField()
    quantity = serializers.IntegerField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    tiers = TierLineSerializer(many=True)
    amount = _amount()


class QuoteSerializer(serializers.Serializer):
    plan_code = serializers.CharField()
    plan_name = serializers.CharField()
    version = serializers.IntegerField()
    month = serializers.DateField()
    currency = serializers.CharField()
    platform_volume = serializers.IntegerField()
    band = BandInput(allow_null=True)
    lines = QuoteLineSerializer(many=True)
    total = _amount()
