"""/api/v1/agreements, /network-lines, /allocations.

Reads: any caller whose role (or key scope) may view them, scoped by `for_user`, so another
tenant's object answers 404. Writes: EnStream staff, through the services.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from enstream.accounts.roles import Perm
from enstream.api.idempotency import idempotent
from enstream.api.permissions import HasScope
from issuers import services
from issuers.api.base import CommercialViewSet, StaffWrites, acting_person
from issuers.api.serializers import (
    AgreementCreateInput,
    AllocationRequestInput,
    AllocationSerializer,
    ApproveInput,
    DayInput,
    NetworkLineCreateInput,
    NetworkLineSerializer,
    ReasonInput,
    ResaleAgreementSerializer,
)
from issuers.models import Allocation, NetworkLine, ResaleAgreement

_READ = mixins.ListModelMixin, mixins.RetrieveModelMixin


class ResaleAgreementViewSet(*_READ, CommercialViewSet):
    """The caller's resale agreement(s), each with its network lines."""

    queryset = ResaleAgreement.objects.select_related("issuer", "price_plan").prefetch_related(
        "lines__mno", "lines__agreement__issuer"
    )
    serializer_class = ResaleAgreementSerializer
    permission_classes = [HasScope("read", perm=Perm.AGREEMENTS_VIEW), StaffWrites]
    filterset_fields = ["status", "issuer"]

    def _answer(self, agreement: ResaleAgreement, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=agreement.pk)).data, code)

    @extend_schema(request=AgreementCreateInput, responses={201: ResaleAgreementSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        agreement = services.agreement_create(
            actor=acting_person(request), **self.input(AgreementCreateInput, request)
        )
        return self._answer(agreement, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ResaleAgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request: Request, pk: Any = None) -> Response:
        agreement = services.agreement_sign(
            agreement=self.get_object(), actor=acting_person(request)
        )
        return self._answer(agreement)

    @extend_schema(request=None, responses=ResaleAgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def activate(self, request: Request, pk: Any = None) -> Response:
        agreement = services.agreement_activate(
            agreement=self.get_object(), actor=acting_person(request)
        )
        return self._answer(agreement)

    @extend_schema(request=ReasonInput, responses=ResaleAgreementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def end(self, request: Request, pk: Any = None) -> Response:
        data = self.input(ReasonInput, request)
        agreement = services.agreement_end(
            agreement=self.get_object(), actor=acting_person(request), **data
        )
        return self._answer(agreement)


class NetworkLineViewSet(*_READ, CommercialViewSet):
    """Network lines of the caller's agreements; for an MNO, the lines on its network."""

    # Lines carry no prices, so an MNO may read those on its network, like their allocations.

    queryset = NetworkLine.objects.select_related("agreement__issuer", "mno")
    serializer_class = NetworkLineSerializer
    permission_classes = [HasScope("read", perm=Perm.ALLOCATIONS_VIEW), StaffWrites]
    filterset_fields = ["status", "agreement", "mno"]

    @extend_schema(request=NetworkLineCreateInput, responses={201: NetworkLineSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        line = services.agreement_add_network_line(
            actor=acting_person(request), **self.input(NetworkLineCreateInput, request)
        )
        return Response(self.get_serializer(line).data, status.HTTP_201_CREATED)

    @extend_schema(request=DayInput, responses=NetworkLineSerializer)
    @action(detail=True, methods=["post"], url_path="phase-in")
    @idempotent
    def phase_in(self, request: Request, pk: Any = None) -> Response:
        line = services.network_line_phase_in(
            line=self.get_object(), actor=acting_person(request), **self.input(DayInput, request)
        )
        return Response(self.get_serializer(line).data)

    @extend_schema(request=ReasonInput, responses=NetworkLineSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        line = services.network_line_withdraw(
            line=self.get_object(), actor=acting_person(request), **self.input(ReasonInput, request)
        )
        return Response(self.get_serializer(line).data)


class AllocationViewSet(*_READ, CommercialViewSet):
    """SE space allocations: the issuer's own; for an MNO, those on its network (no prices)."""

    queryset = Allocation.objects.select_related(
        "network_line__agreement__issuer", "network_line__mno"
    )
    serializer_class = AllocationSerializer
    permission_classes = [HasScope("read", perm=Perm.ALLOCATIONS_VIEW), StaffWrites]
    filterset_fields = ["status", "network_line"]

    def _answer(self, allocation: Allocation, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(allocation).data, code)

    @extend_schema(request=AllocationRequestInput, responses={201: AllocationSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        allocation = services.allocation_request(
            actor=acting_person(request), **self.input(AllocationRequestInput, request)
        )
        return self._answer(allocation, status.HTTP_201_CREATED)

    @extend_schema(request=ApproveInput, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: Any = None) -> Response:
        allocation = services.allocation_approve(
            allocation=self.get_object(),
            actor=acting_person(request),
            **self.input(ApproveInput, request),
        )
        return self._answer(allocation)

    @extend_schema(request=ReasonInput, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request: Request, pk: Any = None) -> Response:
        reason = self.input(ReasonInput, request)["reason"]
        allocation = services.allocation_reject(
            allocation=self.get_object(), actor=acting_person(request), reason=reason
        )
        return self._answer(allocation)

    @extend_schema(request=ReasonInput, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: Any = None) -> Response:
        reason = self.input(ReasonInput, request)["reason"]
        allocation = services.allocation_cancel(
            allocation=self.get_object(), actor=acting_person(request), reason=reason
        )
        return self._answer(allocation)

    @extend_schema(request=ReasonInput, responses=AllocationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def revoke(self, request: Request, pk: Any = None) -> Response:
        reason = self.input(ReasonInput, request)["reason"]
        allocation = services.allocation_revoke(
            allocation=self.get_object(), actor=acting_person(request), reason=reason
        )
        return self._answer(allocation)
