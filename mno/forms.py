"""Forms of the SE registry pages: SIM inventory import and the simulated network."""

from typing import Any

from django import forms

from enstream.accounts.roles import OrgKind
from mno.errors import RegistryError
from mno.imports import MAX_BYTES
from mno.models import MNO
from mno.ota.simulated import DISTRIBUTIONS, MAX_LATENCY_MS, NetworkProfile


class ImportForm(forms.Form):
    mno = forms.ModelChoiceField(queryset=MNO.objects.none(), label="Network")
    file = forms.FileField(
        label="SIM inventory (CSV)",
        help_text=(
            "UTF-8 CSV with a header row: iccid, msisdn, nfc_capable, gp_version, scp, scp_i, "
            f"free_nv_bytes, free_v_bytes (only iccid is required). At most "
            f"{MAX_BYTES // (1024 * 1024)} MB."
        ),
    )
    sandbox = forms.BooleanField(required=False, label="Sandbox fleet (for sandbox API keys)")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.organisation.kind == OrgKind.ENSTREAM:
            self.fields["mno"].queryset = MNO.objects.for_user(user)
        else:
            # A network's staff import into their own network only: nothing to choose.
            del self.fields["mno"]
            del self.fields["sandbox"]


class NetworkSimulationForm(forms.Form):
    latency_distribution = forms.ChoiceField(
        choices=[(d, d.capitalize()) for d in DISTRIBUTIONS], label="Latency distribution"
    )
    latency_ms = forms.IntegerField(
        min_value=0,
        max_value=MAX_LATENCY_MS,
        label="Latency (ms)",
        help_text="Fixed: every script takes this long. Lognormal: the median.",
    )
    latency_min_ms = forms.IntegerField(
        min_value=0, max_value=MAX_LATENCY_MS, label="Minimum latency (ms)"
    )
    latency_max_ms = forms.IntegerField(
        min_value=0, max_value=MAX_LATENCY_MS, label="Maximum latency (ms)"
    )
    latency_sigma = forms.FloatField(
        min_value=0, max_value=3, label="Lognormal sigma", help_text="0.5 is a moderate tail."
    )
    loss_rate = forms.FloatField(
        min_value=0, max_value=1, label="Loss rate", help_text="Share of scripts never answered."
    )
    loss_executes_rate = forms.FloatField(
        min_value=0,
        max_value=1,
        label="Lost but run",
        help_text="Share of lost scripts the card still ran (the answer was lost).",
    )
    error_rate = forms.FloatField(
        min_value=0,
        max_value=1,
        label="Error rate",
        help_text="Share of scripts answered 'card busy' or 'unreachable'.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.profile = NetworkProfile.from_parameters(cleaned)
        except RegistryError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned
