"""The filter every report page shares: a date range and the networks to show."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from mno.models import MNO

MAX_DAYS = 366


@dataclass(frozen=True)
class ReportRange:
    start: date
    end: date
    mno_ids: list[int] | None

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    network = forms.ModelMultipleChoiceField(
        queryset=MNO.objects.none(), required=False, label="Networks"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the networks the user may see are offered, so a crafted id is a form error.
        self.fields["network"].queryset = MNO.objects.for_user(user).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        if start > end:
            raise forms.ValidationError("The range must start before it ends.")
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose a range of at most {MAX_DAYS} days.")
        data["start"], data["end"] = start, end
        return data

    def report_range(self) -> ReportRange:
        """The cleaned range; the current month to date when the form is invalid."""
        if self.is_valid():
            networks = self.cleaned_data["network"]
            return ReportRange(
                self.cleaned_data["start"],
                self.cleaned_data["end"],
                [m.pk for m in networks] if networks else None,
            )
        today = timezone.localdate()
        return ReportRange(today.replace(day=1), today, None)
