"""Forms of the commercial pages. They check shape (a date, a whole number, a required
reason); every business rule is the service's, whose refusal lands on the field it names."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from billing.models import PricePlan
from issuers.errors import CommercialError
from issuers.models import IssuerKind, NetworkLine, PaymentNetwork, SsdPrivilege
from mno.models import MNO, MnoStatus

# PositiveIntegerField's ceiling: a larger number is refused here, with a message, rather
# than by the database.
INT_MAX = 2**31 - 1


class DateInput(forms.DateInput):
    input_type = "date"


class ServiceForm(forms.Form):
    """A form a service's refusal can be shown on. `field_aliases` maps the service's field
    names to this form's where they differ."""

    field_aliases: dict[str, str] = {}

    def add_service_error(self, error: CommercialError) -> None:
        field = self.field_aliases.get(error.field or "", error.field)
        if field and field.startswith("contacts"):
            field = "contact_name"
        self.add_error(field if field in self.fields else None, error.message)


def _count(label: str, *, minimum: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=minimum, max_value=INT_MAX, **kwargs)


class IssuerCreateForm(ServiceForm):
    legal_name = forms.CharField(max_length=200)
    name = forms.CharField(
        label="Name in the portal",
        max_length=150,
        required=False,
        help_text="How the bank's staff see their organisation; the legal name if empty.",
    )
    slug = forms.SlugField(
        label="Short name", max_length=60, required=False, help_text="Letters, digits and dashes."
    )
    kind = forms.ChoiceField(choices=IssuerKind.choices)
    payment_networks = forms.MultipleChoiceField(
        label="Issues on",
        choices=PaymentNetwork.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(label="Contact name", max_length=200, required=False)
    contact_role = forms.CharField(label="Contact role", max_length=200, required=False)
    contact_email = forms.EmailField(label="Contact email", required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=40, required=False)
    field_aliases = {"organisation": "name"}

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        contact = {key: data[f"contact_{key}"] for key in ("name", "role", "email", "phone")}
        return {
            "legal_name": data["legal_name"],
            "name": data["name"] or None,
            "slug": data["slug"] or None,
            "kind": data["kind"],
            "payment_networks": data["payment_networks"],
            "contacts": [contact] if any(contact.values()) else [],
        }


class TransitionForm(ServiceForm):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500, required=False)


class ReasonForm(ServiceForm):
    reason = forms.CharField(max_length=500, widget=forms.TextInput)


class OptionalReasonForm(ServiceForm):
    reason = forms.CharField(max_length=500, required=False)


class AgreementForm(ServiceForm):
    effective_on = forms.DateField(label="Takes effect on", widget=DateInput)
    expires_on = forms.DateField(label="Expires on", widget=DateInput)
    price_plan = forms.ModelChoiceField(queryset=PricePlan.objects.none())
    number = forms.CharField(
        max_length=40, required=False, help_text="Left empty, the next RA-<issuer>-NN number."
    )

    def __init__(self, *args: Any, plans: QuerySet, with_number: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["price_plan"].queryset = plans
        if not with_number:
            del self.fields["number"]


class NetworkLineForm(ServiceForm):
    mno = forms.ModelChoiceField(
        label="Network", queryset=MNO.objects.exclude(status=MnoStatus.RETIRED)
    )
    phase_in_on = forms.DateField(label="Phase in on", widget=DateInput)


class PhaseInForm(ServiceForm):
    on = forms.DateField(
        label="Live from", widget=DateInput, required=False, help_text="Today if empty."
    )


class RescheduleForm(ServiceForm):
    phase_in_on = forms.DateField(label="New phase-in date", widget=DateInput)


class EndForm(ServiceForm):
    reason = forms.CharField(max_length=500)
    on = forms.DateField(
        label="Last day in force", widget=DateInput, required=False, help_text="Today if empty."
    )


class AllocationRequestForm(ServiceForm):
    network_line = forms.ModelChoiceField(label="Network", queryset=NetworkLine.objects.none())
    nv_quota_bytes = _count("Non-volatile quota per SSD (bytes)", minimum=1)
    v_quota_bytes = _count("Volatile quota per SSD (bytes)", minimum=1)
    expected_ssds = _count("SSDs expected", minimum=1)
    monthly_forecast = _count("New SSDs per month (forecast)", minimum=0, initial=0, required=False)
    privileges = forms.MultipleChoiceField(
        choices=SsdPrivilege.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Security Domain is always set.",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    field_aliases = {"line": "network_line"}

    def __init__(self, *args: Any, lines: QuerySet, with_issuer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["network_line"]
        field.queryset = lines
        if with_issuer:
            field.label_from_instance = lambda line: (
                f"{line.agreement.issuer.legal_name} · {line.mno.name} ({line.agreement.number})"
            )
        else:
            field.label_from_instance = lambda line: (
                f"{line.mno.name} ({line.get_status_display().lower()}, phase-in "
                f"{line.phase_in_on:%Y-%m-%d})"
            )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["monthly_forecast"] = data.get("monthly_forecast") or 0
        return data


class ApproveForm(ServiceForm):
    cap = _count("Cap (SSDs)", minimum=1)
    note = forms.CharField(max_length=500, required=False)
