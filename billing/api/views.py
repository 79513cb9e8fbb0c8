"""/api/v1/price-plans: the caller's price plan (an issuer sees the plans of its own
agreements; an MNO sees none), its quote, and for staff new plans and versions."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from billing import services
from billing.api.serializers import (
    PricePlanCreateInput,
    PricePlanSerializer,
    QuoteInput,
    QuoteSerializer,
    VersionInput,
)
from billing.models import PricePlan
from billing.pricing import ChargeKind
from enstream.api.idempotency import idempotent
from enstream.api.permissions import HasScope
from issuers.api.base import CommercialViewSet, StaffWrites, acting_person


class PricePlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CommercialViewSet):
    """The price plans of the caller's agreements (an MNO has none)."""

    # No role check on reads: `for_user` gives an issuer the plans of its own agreements and
    # an MNO none at all (an empty list, a 404), which is the rule that matters here.

    queryset = PricePlan.objects.prefetch_related("versions__charges__tiers", "versions__bands")
    serializer_class = PricePlanSerializer
    permission_classes = [HasScope("read"), StaffWrites]

    def _answer(self, plan: PricePlan, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, code)

    @extend_schema(request=PricePlanCreateInput, responses={201: PricePlanSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        data = self.input(PricePlanCreateInput, request)
        plan = services.price_plan_create(actor=acting_person(request), **data)
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(request=VersionInput, responses={201: PricePlanSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def versions(self, request: Request, pk: Any = None) -> Response:
        data = self.input(VersionInput, request)
        plan = self.get_object()
        services.price_plan_new_version(plan=plan, actor=acting_person(request), **data)
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(parameters=[QuoteInput], responses=QuoteSerializer)
    @action(detail=True, methods=["get"])
    def quote(self, request: Request, pk: Any = None) -> Response:
        """The month's charges for the given quantities and platform volume, line by line."""
        serializer = QuoteInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.price_plan_quote(
            plan=self.get_object(),
            month=data["month"],
            platform_volume=data["platform_volume"],
            quantities={kind: data[kind] for kind in ChargeKind.values},
        )
        return Response(QuoteSerializer(result).data)
