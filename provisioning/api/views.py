"""/api/v1/eligibility, /credentials (with suspend, resume, delete) and /jobs.

Declarations and translations only: the provisioning services decide, these views read the
request, call them, and show the result. Every queryset goes through `for_user` and the
key's mode (a sandbox key sees and reaches only the sandbox fleet), so another issuer's
credential, or a live one for a sandbox key, answers 404.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enstream.accounts.roles import Perm
from enstream.api.idempotency import idempotent
from enstream.api.permissions import HasScope
from enstream.apikeys.models import Mode
from issuers.api.base import acting_person
from issuers.models import Issuer
from provisioning.api.filters import CredentialFilter
from provisioning.api.serializers import (
    CardDataSupplyInput,
    CredentialCreateInput,
    CredentialSerializer,
    EligibilityQuery,
    EligibilitySerializer,
    JobSerializer,
    SuspendInput,
)
from provisioning.carddata import CardData
from provisioning.models import Credential, Job
from provisioning.services import (
    credential_card_data_supply,
    credential_delete,
    credential_provision,
    credential_resume,
    credential_suspend,
    se_eligibility,
)

_READ = HasScope("read", perm=Perm.CREDENTIALS_VIEW)
_PROVISION = HasScope("provision", perm=Perm.CREDENTIALS_LIFECYCLE)
_LIFECYCLE = HasScope("lifecycle", perm=Perm.CREDENTIALS_LIFECYCLE)
# The look-up takes any text (so a malformed id answers 404 in the error shape); ids are UUIDs.
ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)
# A query parameter can be wrong too; the error shape is the platform's (enstream/api/schema.py).
BAD_QUERY = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="A query parameter is missing or invalid; `field` names it.",
)


def in_sandbox(request: Request) -> bool:
    return getattr(request, "mode", Mode.LIVE) == Mode.SANDBOX


def caller_issuer(request: Request) -> Issuer:
    """The issuer a key (or a bank's staff member) acts for; EnStream and MNO callers have none
    and may not ask on a bank's behalf."""
    if getattr(request, "issuer", None) is None:
        raise exceptions.PermissionDenied("Only an issuer's key or staff can make this call.")
    issuer = Issuer.objects.for_user(request.user).filter(organisation=request.issuer).first()
    if issuer is None:
        raise exceptions.PermissionDenied("This organisation is not onboarded as an issuer.")
    return issuer


class EligibilityView(APIView):
    permission_classes = [_READ]

    @extend_schema(
        summary="Check a subscriber's eligibility",
        parameters=[EligibilityQuery],
        responses={200: EligibilitySerializer, 400: BAD_QUERY},
        description="Whether you can provision a card on this subscriber's SIM today: its "
        "network and capabilities, your agreement's coverage and your allocation's room, and "
        "every reason when not. A sandbox key sees only the sandbox fleet: a live number "
        "answers as unknown (`se_unknown`), and the reverse.",
    )
    def get(self, request: Request) -> Response:
        query = EligibilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = se_eligibility(
            issuer=caller_issuer(request),
            msisdn=query.validated_data["msisdn"],
            sandbox=in_sandbox(request),
        )
        return Response(EligibilitySerializer(result).data)


class CredentialPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    ordering = "-requested_at"

    def get_page_size(self, request: Request) -> int:
        # DRF takes a limit that is no whole number for the default; it is a bad query
        # parameter, and the client should hear of it rather than get pages of another size.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {"limit": [f"A whole number from 1 to {self.max_page_size}."]}, code="invalid"
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page, from 1 ({self.page_size} when absent; more than "
                    f"{self.max_page_size} is taken as {self.max_page_size})."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def decode_cursor(self, request: Request) -> Any:
        # DRF answers a bad cursor with 404; it is a bad query parameter like any other.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": ["Not a cursor from a previous page's next or previous link."]},
                code="invalid_cursor",
            ) from None


class ScopedViewSet(viewsets.GenericViewSet):
    """Looks the named object up (404 for anyone else's) before a body or an Idempotency-Key
    is judged, so that a stranger learns nothing and no 404 is kept for a replay."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if (self.lookup_url_kwarg or self.lookup_field) in self.kwargs:
            self.get_object()

    def get_object(self) -> Any:
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object


@extend_schema_view(
    list=extend_schema(
        summary="List your credentials",
        responses={200: CredentialSerializer(many=True), 400: BAD_QUERY},
    ),
    retrieve=extend_schema(summary="Get a credential", parameters=[ID]),
)
class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payment cards on your subscribers' SIMs (sandbox keys: on the sandbox fleet)."""

    serializer_class = CredentialSerializer
    # Any text up to the next slash reaches the look-up, which answers 404 in the error shape.
    lookup_value_regex = "[^/]+"
    pagination_class = CredentialPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = CredentialFilter
    ordering_fields = ["requested_at", "updated_at"]
    ordering = "-requested_at"

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "card_data"):
            return [_PROVISION()]
        if self.action in ("suspend", "resume", "remove"):
            return [_LIFECYCLE()]
        return [_READ()]

    def get_queryset(self) -> QuerySet[Credential]:
        jobs = Job.objects.only("id", "kind", "state", "created_at", "credential_id")
        return (
            Credential.objects.for_user(self.request.user)
            .filter(sandbox=in_sandbox(self.request))
            .select_related("se__mno")
            .prefetch_related(
                Prefetch("jobs", queryset=jobs.order_by("-created_at"), to_attr="recent_jobs")
            )
        )

    def _accepted(self, credential: Credential, job: Job) -> Response:
        # The service's own rows (the SE came with its network), so no read-back is needed.
        credential.recent_jobs = [job]  # type: ignore[attr-defined]
        location = reverse("credential-detail", kwargs={"pk": credential.pk})
        body = self.get_serializer(credential).data
        return Response(body, status.HTTP_202_ACCEPTED, headers={"Location": location})

    def _reread(self, credential: Credential) -> Credential:
        return self.get_queryset().get(pk=credential.pk)

    @extend_schema(
        summary="Provision a card on a subscriber's SIM",
        request=CredentialCreateInput,
        responses={202: CredentialSerializer},
        description="Checks the card and the subscriber's eligibility, seals the card data at "
        "once and queues the over-the-air job; follow it at `job` or wait for the "
        "`credential.active` webhook. Refusals: input codes with `field` (`invalid_pan`, "
        "`card_expired`, `scheme_mismatch`, ...), eligibility codes with status 422 and every "
        "reason in `details.reasons`, `credential_exists` (409).",
    )
    @idempotent
    def create(self, request: Request) -> Response:
        issuer = caller_issuer(request)
        incoming = CredentialCreateInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        credential, job = credential_provision(
            issuer=issuer,
            msisdn=data["msisdn"],
            scheme=data["scheme"],
            applet_profile=data["applet_profile"],
            card_data=CardData(**data["card_data"]),
            sandbox=in_sandbox(request),
            actor=acting_person(request),
        )
        return self._accepted(credential, job)

    @extend_schema(
        summary="Supply the card data of a credential moved to a new SIM",
        parameters=[ID],
        request=CardDataSupplyInput,
        responses={
            202: CredentialSerializer,
            400: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description="The card data is invalid (`invalid_pan`, `card_expired`, ...), "
                "or it is not this credential's card (`card_mismatch`, field "
                "`card_data.pan`); or no Idempotency-Key (`idempotency_key_missing`).",
            ),
            409: OpenApiResponse(
                response={"$ref": "#/components/schemas/Error"},
                description="The credential is not waiting for card data (`invalid_state`), "
                "or a request with this Idempotency-Key is still running "
                "(`idempotency_in_progress`).",
            ),
        },
        description="After a SIM swap or a port to a new SIM, the replacement credential is "
        "prepared on the new SIM and waits (`reason.code` `card_data_required`, webhook "
        "`credential.card_data_required`) for its card data, purged after the first "
        "personalisation. Send the same card as in POST /credentials: one over-the-air job "
        "personalises it, and `credential.active` follows.",
    )
    @action(detail=True, methods=["post"], url_path="card-data", url_name="card-data")
    @idempotent
    def card_data(self, request: Request, pk: Any = None) -> Response:
        incoming = CardDataSupplyInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        credential = self.get_object()
        job = credential_card_data_supply(
            credential=credential,
            card_data=CardData(**incoming.validated_data["card_data"]),
            actor=acting_person(request),
        )
        return self._accepted(self._reread(credential), job)

    @extend_schema(
        summary="Suspend a credential",
        parameters=[ID],
        request=SuspendInput,
        responses={202: CredentialSerializer},
        description="Locks the payment application on the SIM (lost phone, fraud suspicion). "
        "Only an active credential; `invalid_state` (409) otherwise.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def suspend(self, request: Request, pk: Any = None) -> Response:
        incoming = SuspendInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        credential = self.get_object()
        job = credential_suspend(
            credential=credential,
            actor=acting_person(request),
            reason=incoming.validated_data["reason"],
        )
        return self._accepted(self._reread(credential), job)

    @extend_schema(
        summary="Resume a suspended credential",
        parameters=[ID],
        request=None,
        responses={202: CredentialSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def resume(self, request: Request, pk: Any = None) -> Response:
        credential = self.get_object()
        job = credential_resume(credential=credential, actor=acting_person(request))
        return self._accepted(self._reread(credential), job)

    @extend_schema(
        summary="Delete a credential from the SIM",
        parameters=[ID],
        request=None,
        responses={202: CredentialSerializer},
        description="Deletes the payment application (and your security domain with its last "
        "credential on that SIM).",
    )
    @action(detail=True, methods=["post"], url_path="delete", url_name="delete")
    @idempotent
    def remove(self, request: Request, pk: Any = None) -> Response:
        credential = self.get_object()
        job = credential_delete(credential=credential, actor=acting_person(request))
        return self._accepted(self._reread(credential), job)


@extend_schema_view(
    retrieve=extend_schema(summary="Get a job, with its steps and timings", parameters=[ID])
)
class JobViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """Over-the-air operations on your subscribers' SIMs."""

    serializer_class = JobSerializer
    lookup_value_regex = "[^/]+"
    permission_classes = [HasScope("read", perm=Perm.JOBS_VIEW)]

    def get_queryset(self) -> QuerySet[Job]:
        return (
            Job.objects.for_user(self.request.user)
            .filter(sandbox=in_sandbox(self.request))
            .select_related("mno")
            .prefetch_related("steps")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}
