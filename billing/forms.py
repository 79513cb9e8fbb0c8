"""Price-plan forms: a plan's charges and tiers, its shared-cost bands, the worked example's
volumes and a month's quote.

The tiers are a fixed grid of inputs (up to MAX_TIERS per charge) rather than free text, so a
non-numeric tier is an ordinary field error on the cell that holds it. Whether tiers make
sense together is billing.pricing's rule (validate_charges, validate_bands), whose refusal
is shown on the charge it names.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from billing.money import DEFAULT_CURRENCY
from billing.pricing import (
    BandSpec,
    ChargeKind,
    ChargeSpec,
    PricingModel,
    TierSpec,
    validate_bands,
    validate_charges,
)
from issuers.errors import CommercialError
from issuers.forms import INT_MAX, DateInput

MAX_TIERS = 5
MAX_BANDS = 5
MAX_EXAMPLE_VOLUMES = 8
DEFAULT_EXAMPLE_VOLUMES = (1_000, 10_000, 50_000, 100_000)
DEFAULT_PLATFORM_VOLUME = 150_000

_UNITS = {"invalid": "Enter a whole number of units, such as 10000."}
_PRICE = {"invalid": "Enter a price such as 0.2500."}


def _units(label: str, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, max_value=INT_MAX, required=False, error_messages=_UNITS, **kwargs
    )


def _price(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=4,
        required=False,
        error_messages=_PRICE,
    )


class TariffForm(forms.Form):
    """The charges (each flat, graduated or volume tiered) and the shared-cost bands of one
    price-plan version. After `is_valid()`, `charges` and `bands` hold the specs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.charges: list[ChargeSpec] = []
        self.bands: list[BandSpec] = []
        for kind, label in ChargeKind.choices:
            self.fields[f"{kind}-priced"] = forms.BooleanField(
                label=f"Include this charge ({label})", required=False
            )
            # Not required: a charge left unticked has no model to give.
            self.fields[f"{kind}-model"] = forms.ChoiceField(
                label="Pricing",
                choices=PricingModel.choices,
                initial=PricingModel.FLAT,
                required=False,
            )
            self.fields[f"{kind}-shares"] = forms.BooleanField(
                label="Lowered by the shared-cost band", required=False, initial=True
            )
            for i in range(MAX_TIERS):
                # The charge is in the label: the grid shows it once, errors listed apart
                # (the live example) and screen readers need it on every cell.
                where = f"{label}, tier {i + 1}"
                self.fields[f"{kind}-up_to-{i}"] = _units(f"{where}: up to", min_value=1)
                self.fields[f"{kind}-price-{i}"] = _price(f"{where}: unit price")
        for i in range(MAX_BANDS):
            self.fields[f"band-from-{i}"] = _units(f"Band {i + 1} from", min_value=0)
            self.fields[f"band-discount-{i}"] = forms.DecimalField(
                label=f"Band {i + 1} discount (%)",
                min_value=Decimal(0),
                max_value=Decimal("99.99"),
                max_digits=5,
                decimal_places=2,
                required=False,
            )

    @classmethod
    def initial_from(cls, charges: list[ChargeSpec], bands: list[BandSpec]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for charge in charges:
            initial[f"{charge.kind}-priced"] = True
            initial[f"{charge.kind}-model"] = charge.model
            initial[f"{charge.kind}-shares"] = charge.shares_platform_discount
            for i, tier in enumerate(charge.tiers[:MAX_TIERS]):
                initial[f"{charge.kind}-up_to-{i}"] = tier.up_to
                initial[f"{charge.kind}-price-{i}"] = tier.unit_price
        for charge_kind in ChargeKind.values:
            initial.setdefault(f"{charge_kind}-shares", True)
        for i, band in enumerate(bands[:MAX_BANDS]):
            initial[f"band-from-{i}"] = band.from_volume
            initial[f"band-discount-{i}"] = band.discount_percent
        return initial

    def charge_groups(self) -> list[dict[str, Any]]:
        """The grid, grouped per charge, for the template."""
        return [
            {
                "kind": kind,
                "label": label,
                "priced": self[f"{kind}-priced"],
                "model": self[f"{kind}-model"],
                "shares": self[f"{kind}-shares"],
                "tiers": [
                    (i + 1, self[f"{kind}-up_to-{i}"], self[f"{kind}-price-{i}"])
                    for i in range(MAX_TIERS)
                ],
            }
            for kind, label in ChargeKind.choices
        ]

    def band_rows(self) -> list[tuple[int, Any, Any]]:
        return [
            (i + 1, self[f"band-from-{i}"], self[f"band-discount-{i}"]) for i in range(MAX_BANDS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.charges = [c for c in map(self._charge, ChargeKind.values) if c is not None]
        self.bands = self._bands(data)
        if not self.charges and not self.errors:
            raise forms.ValidationError("Charge for at least one thing: tick a charge.")
        if not self.errors:
            try:
                validate_charges(self.charges)
                validate_bands(self.bands)
            except CommercialError as error:
                field = (error.field or "").removeprefix("charges.")
                self.add_error(
                    f"{field}-model" if field in ChargeKind.values else None, error.message
                )
        return data

    def _charge(self, kind: str) -> ChargeSpec | None:
        data = self.cleaned_data
        if not data.get(f"{kind}-priced"):
            return None
        tiers = []
        for i in range(MAX_TIERS):
            up_to, price = data.get(f"{kind}-up_to-{i}"), data.get(f"{kind}-price-{i}")
            if up_to is None and price is None:
                continue
            if price is None:
                if f"{kind}-price-{i}" not in self.errors:
                    self.add_error(f"{kind}-price-{i}", "Give this tier's unit price.")
                continue
            tiers.append(TierSpec(up_to, price))
        if not tiers and not self.has_error(f"{kind}-model"):
            label = ChargeKind(kind).label
            self.add_error(f"{kind}-model", f"{label}: give at least one unit price.")
        model = data.get(f"{kind}-model") or PricingModel.FLAT
        return ChargeSpec(kind, model, tuple(tiers), bool(data.get(f"{kind}-shares")))

    def _bands(self, data: dict[str, Any]) -> list[BandSpec]:
        bands = []
        for i in range(MAX_BANDS):
            start, discount = data.get(f"band-from-{i}"), data.get(f"band-discount-{i}")
            if start is None and discount is None:
                continue
            if start is None or discount is None:
                missing = f"band-from-{i}" if start is None else f"band-discount-{i}"
                if missing not in self.errors:
                    self.add_error(missing, "Give both the platform volume and the discount.")
                continue
            bands.append(BandSpec(start, discount))
        return bands


class PricePlanForm(TariffForm):
    name = forms.CharField(max_length=120)
    code = forms.SlugField(max_length=60, help_text="Letters, digits and dashes; never changes.")
    currency = forms.RegexField(
        regex=r"^[A-Z]{3}$",
        max_length=3,
        initial=DEFAULT_CURRENCY,
        error_messages={"invalid": "An ISO 4217 code such as CAD."},
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effective_from = forms.DateField(
        label="Prices from", widget=DateInput, help_text="The first day of a month."
    )


class PricePlanVersionForm(TariffForm):
    effective_from = forms.DateField(
        label="New prices from", widget=DateInput, help_text="The first day of a month."
    )
    note = forms.CharField(max_length=200, required=False, help_text="Why the prices change.")


class ExampleForm(forms.Form):
    """The worked example's inputs; posted with the tariff under the prefix `example`."""

    volumes = forms.CharField(
        label="Issuer's monthly volumes",
        initial=", ".join(str(v) for v in DEFAULT_EXAMPLE_VOLUMES),
        help_text="Whole numbers separated by commas.",
    )
    platform_volume = forms.IntegerField(
        label="Platform volume (active SSDs, all issuers)",
        min_value=0,
        max_value=10**12,
        initial=DEFAULT_PLATFORM_VOLUME,
        error_messages=_UNITS,
    )

    def clean_volumes(self) -> list[int]:
        parts = [p.strip().replace("_", "") for p in self.cleaned_data["volumes"].split(",")]
        parts = [p for p in parts if p]
        if not parts or len(parts) > MAX_EXAMPLE_VOLUMES or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                f"Give 1 to {MAX_EXAMPLE_VOLUMES} whole numbers separated by commas."
            )
        return sorted({min(int(p), 10**12) for p in parts})

    def example_inputs(self) -> tuple[list[int], int]:
        """The volumes and platform volume asked for, or the defaults when the form was not
        filled in or is wrong (its errors still show)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["volumes"], self.cleaned_data["platform_volume"]
        return list(DEFAULT_EXAMPLE_VOLUMES), DEFAULT_PLATFORM_VOLUME


class QuoteForm(forms.Form):
    """A month's quantities, quoted under the plan version in effect that month."""

    month = forms.DateField(
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Enter a month such as 2025-06."},
    )
    platform_volume = forms.IntegerField(
        label="Platform volume (active SSDs, all issuers)",
        min_value=0,
        max_value=10**12,
        error_messages=_UNITS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in ChargeKind.choices:
            self.fields[kind] = forms.IntegerField(
                label=label, min_value=0, max_value=10**12, initial=0, error_messages=_UNITS
            )

    def quantities(self) -> dict[str, int]:
        return {kind: self.cleaned_data[kind] for kind in ChargeKind.values}


def first_of_next_month(today: date) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)
