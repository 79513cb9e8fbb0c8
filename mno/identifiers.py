"""ICCIDs and MSISDNs: parse what people type or upload into the one form the registry stores.

An ICCID (ITU-T E.118) is 18-20 digits whose last digit is a Luhn check digit; a typo in a
SIM inventory file is caught here rather than when a job cannot find the card. An MSISDN is
stored in E.164 (`+14165550123`), whatever national form it came in.
"""

import re

import phonenumbers

from mno.errors import RegistryError

ICCID_LENGTHS = range(18, 21)
# Inventory files and people group digits with spaces or dashes.
_SEPARATORS = re.compile(r"[\s-]")
DEFAULT_REGION = "CA"


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these sit at odd positions once the check digit is on
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(digits: str) -> bool:
    return len(digits) > 1 and digits.isdigit() and luhn_check_digit(digits[:-1]) == digits[-1]


def normalize_iccid(value: str) -> str:
    """The ICCID as 18-20 digits; RegistryError("invalid_iccid") otherwise."""
    iccid = _SEPARATORS.sub("", str(value))
    if not iccid.isascii() or not iccid.isdigit():
        raise RegistryError("invalid_iccid", "An ICCID has digits only.", field="iccid")
    if len(iccid) not in ICCID_LENGTHS:
        raise RegistryError(
            "invalid_iccid", f"An ICCID has 18 to 20 digits, not {len(iccid)}.", field="iccid"
        )
    if not luhn_valid(iccid):
        raise RegistryError(
            "invalid_iccid",
            "The ICCID's check digit is wrong (Luhn): a digit is mistyped.",
            field="iccid",
        )
    return iccid


def normalize_msisdn(value: str, *, region: str = DEFAULT_REGION) -> str:
    """The MSISDN in E.164; national numbers are read as `region`'s. RegistryError otherwise."""
    text = str(value).strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise RegistryError(
            "invalid_msisdn", "That is not a phone number.", field="msisdn"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise RegistryError(
            "invalid_msisdn",
            # The input is not repeated: a card number pasted here must not come back.
            "That is not a valid mobile number (E.164, e.g. +14165550123).",
            field="msisdn",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
