import django_filters
from django import forms
from django.db.models import QuerySet

from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind
from enstream.audit.models import AUDIT_VIEWED, AuditEntry, Outcome


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Actor"
    )
    action = django_filters.ChoiceFilter(label="Action", empty_label="Any action")
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices, label="Outcome", empty_label="Any outcome"
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.none(), label="Organisation", empty_label="Any"
    )
    date_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        scoped: QuerySet[AuditEntry] = self.queryset
        actions = scoped.order_by("action").values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(a, a) for a in actions]
        if user.organisation.kind == OrgKind.ENSTREAM:  # type: ignore[attr-defined]
            self.filters["organisation"].queryset = Organisation.objects.for_user(user)
        else:
            del self.filters["organisation"]

    @property
    def qs(self) -> QuerySet[AuditEntry]:
        # Every visit to these pages is an entry; unless asked for, they would bury the rest.
        qs = super().qs
        if self.data.get("action") != AUDIT_VIEWED:
            qs = qs.exclude(action=AUDIT_VIEWED)
        return qs
