"""The filters of the commercial lists. Choices that name other organisations (issuer, MNO)
are offered to EnStream staff only, and from scoped querysets."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.constants import EMPTY_VALUES

from enstream.accounts.roles import OrgKind
from issuers.models import (
    AgreementStatus,
    Allocation,
    AllocationStatus,
    Issuer,
    IssuerKind,
    IssuerStatus,
    NetworkLine,
    ResaleAgreement,
)
from mno.models import MNO


def _is_enstream(request: Any) -> bool:
    return request is not None and request.user.organisation.kind == OrgKind.ENSTREAM


class SearchFilter(django_filters.CharFilter):
    """One text box that matches any of the fields it is given (case-insensitive, anywhere in
    the text)."""

    def __init__(self, *fields: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.search_fields = fields

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        matches = Q()
        for field in self.search_fields:
            matches |= Q(**{f"{field}__icontains": value})
        return qs.filter(matches)


class IssuerFilter(django_filters.FilterSet):
    q = SearchFilter("legal_name", "organisation__name", label="Name contains")
    status = django_filters.ChoiceFilter(choices=IssuerStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=IssuerKind.choices, empty_label="Any kind")

    class Meta:
        model = Issuer
        fields: list[str] = []


class AgreementFilter(django_filters.FilterSet):
    q = SearchFilter("number", "issuer__legal_name", label="Number or issuer")
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices, empty_label="Any status")
    issuer = django_filters.ModelChoiceFilter(queryset=Issuer.objects.none(), empty_label="Any")

    class Meta:
        model = ResaleAgreement
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if _is_enstream(request):
            self.filters["issuer"].queryset = Issuer.objects.for_user(request.user)
        else:
            del self.filters["issuer"]


class AllocationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AllocationStatus.choices, empty_label="Any status")
    mno = django_filters.ModelChoiceFilter(
        field_name="network_line__mno",
        queryset=MNO.objects.none(),
        label="Network",
        empty_label="Any",
    )
    issuer = django_filters.ModelChoiceFilter(
        field_name="network_line__agreement__issuer",
        queryset=Issuer.objects.none(),
        empty_label="Any",
    )

    class Meta:
        model = Allocation
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if _is_enstream(request):
            self.filters["mno"].queryset = MNO.objects.all()
            self.filters["issuer"].queryset = Issuer.objects.for_user(request.user)
        else:
            # An issuer picks among the networks of its own agreements; MNO names are not
            # secret, but a list of every network would suggest lines it does not have.
            lines = NetworkLine.objects.for_user(request.user).values("pk")
            self.filters["mno"].queryset = MNO.objects.filter(network_lines__in=lines).distinct()
            del self.filters["issuer"]
