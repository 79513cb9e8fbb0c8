from rest_framework import serializers

from enstream.webhooks.models import EventType, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    url = serializers.CharField(
        max_length=500, help_text="https URL that receives the signed POSTs."
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.values), allow_empty=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "mode",
            "is_active",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = ["id", "mode", "is_active", "disabled_reason", "created_at"]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret, shown only in this response (a replay of it shows "
        "null). Keep it in your secrets store.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
