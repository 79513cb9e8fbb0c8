"""Money: Decimal amounts with a currency, and the one rounding rule.

The rule (docs/commercial-model.md, "Rounding"):
- a unit price carries 4 decimal places; a price derived from another (the shared-cost
  discount) is rounded to 4 places, half up;
- a charge line's amount is quantity x unit price summed over its tiers, exact, then rounded
  once to the cent, half up; a total is the sum of rounded lines.
Nothing else rounds, and no float ever touches an amount.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

DEFAULT_CURRENCY = "CAD"
UNIT_PRICE_PLACES = Decimal("0.0001")
AMOUNT_PLACES = Decimal("0.01")


def round_unit_price(value: Decimal) -> Decimal:
    return value.quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)


def round_amount(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


def unit_price_field(what: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=f"Price {what}, 4 decimal places.",
    )


def currency_field() -> models.CharField:
    return models.CharField(
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as CAD.")],
    )
