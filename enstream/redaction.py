"""Keeps card numbers and keys out of log lines and error reports."""

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

# 13-19 digits, optionally grouped by spaces or dashes, as card numbers are written.
_CARD_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# 32+ hex digits: AES/3DES keys, key blobs, cryptograms long enough to matter.
_LONG_HEX = re.compile(r"(?i)(?<![0-9a-f])[0-9a-f]{32,}(?![0-9a-f])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[PAN ****{digits[-4:]}]"
    return match.group(0)


def redact(text: str) -> str:
    text = _CARD_CANDIDATE.sub(_mask_card, text)
    return _LONG_HEX.sub("[REDACTED HEX]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|PIN|PAN|KEK", flags=re.IGNORECASE
    )
