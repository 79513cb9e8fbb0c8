"""Search and filters of the networks list and the SE registry page."""

import django_filters
from django.db.models import Q, QuerySet

from enstream.accounts.roles import OrgKind
from issuers.filters import SearchFilter
from mno.models import MNO, MnoStatus
from mno.registry import Scp, SecureElement, SeStatus

# Less than this much free NV memory cannot take a payment SSD of a usual template.
LOW_MEMORY_BYTES = 16 * 1024


class MnoFilter(django_filters.FilterSet):
    q = SearchFilter("name", "short_code", label="Name or code")
    status = django_filters.ChoiceFilter(choices=MnoStatus.choices, empty_label="Any status")

    class Meta:
        model = MNO
        fields: list[str] = []


class SecureElementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="ICCID or MSISDN")
    status = django_filters.ChoiceFilter(choices=SeStatus.choices, empty_label="Any status")
    mno = django_filters.ModelChoiceFilter(
        queryset=MNO.objects.none(), label="Network", empty_label="Any network"
    )
    nfc_capable = django_filters.BooleanFilter(label="NFC capable")
    scp = django_filters.ChoiceFilter(choices=Scp.choices, label="SCP", empty_label="Any SCP")
    low_memory = django_filters.BooleanFilter(method="memory", label="Little free memory")
    sandbox = django_filters.BooleanFilter(label="Sandbox fleet")

    class Meta:
        model = SecureElement
        fields: list[str] = []

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if user.organisation.kind == OrgKind.ENSTREAM:  # type: ignore[attr-defined]
            self.filters["mno"].queryset = MNO.objects.for_user(user)
        else:
            del self.filters["mno"]
            del self.filters["sandbox"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = "".join(value.split()).replace("-", "")
        if not text:
            return queryset
        # Digits match ICCIDs and MSISDNs alike (an MSISDN is stored as +1...).
        return queryset.filter(Q(iccid__contains=text) | Q(msisdn__contains=text.lstrip("+")))

    def memory(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        low = Q(free_nv_bytes__lt=LOW_MEMORY_BYTES)
        return queryset.filter(low) if value else queryset.exclude(low)
