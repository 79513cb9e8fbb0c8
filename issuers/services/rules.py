"""Checks shared by the agreement and network line services."""

from datetime import date

from django.utils import timezone

from issuers.errors import CommercialError
from issuers.models import ResaleAgreement
from mno.models import MNO
from mno.selectors import wholesale_agreement_in_force


def today() -> date:
    return timezone.localdate()


def check_within_term(agreement: ResaleAgreement, day: date, field: str) -> None:
    if day < agreement.effective_on:
        raise CommercialError(
            "phase_in_before_start",
            f"{day} is before agreement {agreement.number} takes effect "
            f"({agreement.effective_on}).",
            field=field,
        )
    if day > agreement.last_day:
        raise CommercialError(
            "phase_in_after_expiry",
            f"{day} is after agreement {agreement.number} ends ({agreement.last_day}).",
            field=field,
        )


def check_wholesale(mno: MNO, day: date, field: str) -> None:
    if wholesale_agreement_in_force(mno, on=day) is None:
        raise CommercialError(
            "no_wholesale_agreement",
            f"{mno} has no wholesale agreement in force on {day}: EnStream cannot resell space "
            "it has not bought.",
            field=field,
        )
