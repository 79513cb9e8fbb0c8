from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from enstream.accounts.roles import Perm
from enstream.api.idempotency import idempotent
from enstream.api.permissions import HasScope
from enstream.webhooks.api.serializers import (
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
)
from enstream.webhooks.models import WebhookEndpoint
from enstream.webhooks.services import (
    WebhookError,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
)


def _api_error(error: WebhookError) -> exceptions.APIException:
    if error.code == "permission_denied":
        return exceptions.PermissionDenied(str(error))
    return exceptions.ValidationError({error.field or "non_field_errors": [str(error)]})


@extend_schema_view(
    list=extend_schema(summary="List your webhook endpoints"),
    retrieve=extend_schema(summary="Get a webhook endpoint"),
    destroy=extend_schema(summary="Delete a webhook endpoint (its secret is destroyed)"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your webhook endpoints in the mode of the key that calls (live or sandbox)."""

    serializer_class = WebhookEndpointSerializer
    permission_classes = [HasScope("webhooks", perm=Perm.WEBHOOKS_MANAGE)]
    pagination_class = None

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.for_user(self.request.user).filter(mode=self.request.mode)

    @extend_schema(
        summary="Add a webhook endpoint",
        description="Returns the endpoint with its signing secret, shown only in this answer.",
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    @idempotent(blank=("secret",))
    def create(self, request: Request) -> Response:
        incoming = WebhookEndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhook_endpoint_create(
                organisation=request.user.organisation,
                mode=request.mode,
                **incoming.validated_data,
            )
        except WebhookError as error:
            raise _api_error(error) from None
        body = WebhookEndpointWithSecretSerializer(endpoint).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rotate the signing secret",
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @idempotent(blank=("secret",))
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        """A new signing secret. For 24 hours deliveries are signed under both."""
        endpoint = self.get_object()
        secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
        body = WebhookEndpointWithSecretSerializer(endpoint).data
        body["secret"] = secret
        return Response(body)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhook_endpoint_delete(endpoint=instance)
