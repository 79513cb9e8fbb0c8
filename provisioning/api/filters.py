"""The query parameters of GET /api/v1/credentials."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from rest_framework import serializers

from issuers.models import PaymentNetwork
from provisioning.eligibility import normalise_msisdn
from provisioning.errors import ProvisioningError
from provisioning.models import CredentialState


class CredentialFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CredentialState.choices)
    scheme = django_filters.ChoiceFilter(choices=PaymentNetwork.choices)
    network = django_filters.CharFilter(
        field_name="se__mno__short_code", lookup_expr="iexact", help_text="A network's code."
    )
    msisdn = django_filters.CharFilter(
        method="filter_msisdn", help_text="The subscriber's number, in any usual spelling."
    )
    last4 = django_filters.CharFilter(
        field_name="pan_last4",
        validators=[RegexValidator(r"^[0-9]{4}$", "Four digits.", code="invalid")],
        help_text="The card number's last four digits.",
    )

    def filter_msisdn(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            number = normalise_msisdn(value)
        except ProvisioningError as error:
            detail = {"msisdn": [error.message]}
            raise serializers.ValidationError(detail, code=error.code) from None
        return queryset.filter(msisdn=number)
