from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from enstream.accounts.models import Organisation, User
from enstream.apikeys.models import Mode, Scope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="The system that will use the key, e.g. “card issuing back end, production”.",
    )
    mode = forms.ChoiceField(
        choices=Mode.choices,
        initial=Mode.LIVE,
        widget=forms.RadioSelect,
        help_text="Sandbox keys reach only the simulated networks and virtual SIMs.",
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, initial=[Scope.READ], widget=forms.CheckboxSelectMultiple
    )
    allowed_cidrs = forms.CharField(
        label="Allowed addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One IP address or CIDR range per line (e.g. 203.0.113.0/24). Empty: any.",
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The key stops working at the end of this day. Empty: until revoked.",
    )

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if organisation.is_enstream:
            self.fields["user"] = forms.ModelChoiceField(
                label="Acts for",
                queryset=User.objects.filter(organisation=organisation, is_active=True),
                help_text="A staff key can do what this person's role allows, no more.",
            )

    def clean_allowed_cidrs(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["allowed_cidrs"].splitlines()]

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
