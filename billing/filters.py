"""The filters of the billing lists."""

import django_filters

from billing.models import PricePlan
from issuers.filters import SearchFilter


class PricePlanFilter(django_filters.FilterSet):
    q = SearchFilter("name", "code", label="Name or code")

    class Meta:
        model = PricePlan
        fields: list[str] = []
