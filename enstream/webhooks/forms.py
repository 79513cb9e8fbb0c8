from django import forms

from enstream.apikeys.models import Mode
from enstream.webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where EnStream POSTs the events, over https.",
        widget=forms.URLInput(attrs={"placeholder": "https://bank.example/enstream/webhooks"}),
    )
    description = forms.CharField(max_length=200, required=False)
    mode = forms.ChoiceField(
        choices=Mode.choices,
        initial=Mode.LIVE,
        widget=forms.RadioSelect,
        help_text="Sandbox endpoints receive the events of sandbox keys only.",
    )
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        initial=EventType.values,
        widget=forms.CheckboxSelectMultiple,
    )
