"""Portal forms: the credential search."""

from typing import Any

from django import forms

from mno.models import MNO
from provisioning.models import CredentialState
from provisioning.selectors import networks_for


class CredentialSearchForm(forms.Form):
    msisdn = forms.CharField(
        label="Phone number", required=False, max_length=16, help_text="Any part of it."
    )
    last4 = forms.RegexField(
        label="Card ending",
        required=False,
        regex=r"^\d{4}$",
        max_length=4,
        error_messages={"invalid": "The last four digits of the card."},
    )
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *CredentialState.choices])
    network = forms.ModelChoiceField(
        required=False, queryset=MNO.objects.none(), empty_label="Any network"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks_for(user)

    def criteria(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        digits = "".join(ch for ch in data["msisdn"] if ch.isdigit() or ch == "+")
        return {
            "msisdn": digits,
            "last4": data["last4"],
            "state": data["state"],
            "network": data["network"],
        }
