"""Keeps card numbers and keys out of log lines and error reports.

`install()` (called from the keystore app's ready()) puts the redaction in the log record
factory, so every record is cleaned when it is created: before any handler, filter or
formatter sees it, including pytest's caplog and handlers configured by libraries. The
filter and the exception reporter classes below cover records built by hand and Django's
error pages and mails.
"""

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# 13+ digits, in groups joined by single spaces or dashes as card numbers are written
# (4111 1111 ...); _mask_cards looks for the card number among the groups.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,}")
# 32+ hex digits: AES/3DES keys, key blobs, cryptograms long enough to matter.
_LONG_HEX = re.compile(r"(?i)(?<![0-9a-f])(?:0x)?[0-9a-f]{32,}")
# 16+ hex bytes written with separators: hex dumps of keys (40 41 42 ... / 40:41:42:...).
_SPACED_HEX = re.compile(r"(?i)(?<![0-9a-f])(?:[0-9a-f]{2}[ :]){15,}[0-9a-f]{2}(?![0-9a-f])")
# repr() of 16+ bytes, e.g. a key in a traceback's local variables. Each alternative starts
# differently, so a string with no closing quote cannot make the match backtrack exponentially.
_BYTES_REPR = re.compile(
    r"""(?<![A-Za-z0-9_])b(?:'(?:\\x[0-9a-f]{2}|\\[^x]|[^\\']){16,}'"""
    r"""|"(?:\\x[0-9a-f]{2}|\\[^x]|[^\\"]){16,}")"""
)
# Base64-like tokens of 22+ characters (16 bytes and more) that look random (see _is_token):
# API keys, wrapped keys, TOTP seeds, AES-128 keys.
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{22,}={0,2}(?![A-Za-z0-9+/=_-])")
# Base32 runs (TOTP seeds in otpauth:// links): 24+ of A-Z and 2-7, which words in capitals
# rarely reach without a space or an underscore.
_BASE32 = re.compile(r"(?<![A-Za-z0-9])[A-Z2-7]{24,}=*(?![A-Za-z0-9])")
# ICCIDs (ITU-T E.118, telecom prefix 89) carry a Luhn digit too but identify a SIM, not a card;
# operations need them in logs.
_ICCID_PREFIX = "89"


# Luhn doubles every second digit from the right, subtracting 9 above 9: 0->0, 1->2 ... 9->9.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    odd = sum(map(int, digits[-1::-2]))
    even = sum(map(int, digits[-2::-2].translate(_DOUBLED)))
    return (odd + even) % 10 == 0


def _is_pan(digits: str) -> bool:
    return not digits.startswith(_ICCID_PREFIX) and luhn_valid(digits)


def _mask_cards(match: re.Match[str]) -> str:
    """Mask every Luhn-valid 13-19 digit span made of whole groups of the run."""
    run = match.group(0)
    spans = [m.span() for m in re.finditer(r"\d+", run)]
    out: list[str] = []
    cursor = start = 0
    while start < len(spans):
        digits = ""
        for end in range(start, len(spans)):
            digits += run[spans[end][0] : spans[end][1]]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and _is_pan(digits):
                out += [run[cursor : spans[start][0]], f"[PAN ****{digits[-4:]}]"]
                cursor, start = spans[end][1], end
                break
        start += 1
    out.append(run[cursor:])
    return "".join(out)


def _is_token(match: re.Match[str]) -> str:
    # Random base64 mixes lower case, upper case and digits, or carries padding or a "+", or
    # at least has capitals far more often than CamelCase words do. Identifiers, words and
    # file paths (lower case, "/", "_", a capital per word) do not.
    token = match.group(0)
    lower = sum(char.islower() for char in token)
    upper = sum(char.isupper() for char in token)
    looks_random = (
        (lower and upper and any(char.isdigit() for char in token))
        or token.endswith("=")
        or ("+" in token and lower and upper)
        or (upper * 5 >= len(token) and lower * 5 >= len(token))
    )
    return "[REDACTED]" if looks_random else token


def redact(text: str) -> str:
    text = _BYTES_REPR.sub("b'[REDACTED BYTES]'", text)
    text = _SPACED_HEX.sub("[REDACTED HEX]", text)
    text = _LONG_HEX.sub("[REDACTED HEX]", text)
    text = _TOKEN.sub(_is_token, text)
    text = _BASE32.sub("[REDACTED]", text)
    return _DIGIT_RUN.sub(_mask_cards, text)


_STANDARD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Clean a record in place: its message, exception text, stack and `extra` strings."""
    try:
        message = record.getMessage()
        malformed = False
    except Exception:  # logging would print the arguments with its error report: drop them
        message = f"{record.msg!s} (arguments dropped: they did not fit the format)"
        malformed = True
    cleaned = redact(message)
    if cleaned != message or malformed:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for name, value in list(record.__dict__.items()):
        if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            record.__dict__[name] = redact(value)
    return record


class RedactSecretsFilter(logging.Filter):
    """For handlers and loggers: catches records made without the factory (LogRecord(...))."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_install_lock = threading.Lock()


class _RedactingFactory:
    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(self.inner(*args, **kwargs))


def install() -> None:
    """Redact every log record at creation; idempotent, and keeps any earlier factory."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _RedactingFactory):
            logging.setLogRecordFactory(_RedactingFactory(current))
        root = logging.getLogger()
        if not any(isinstance(f, RedactSecretsFilter) for f in root.filters):
            root.addFilter(RedactSecretsFilter())


class _Redacted:
    """Stands in for a value in an error report; its repr is the redacted repr of the value."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _redacted_value(value: Any) -> Any:
    try:
        text = repr(value)
    except Exception:  # a broken repr must not break the error report
        return _Redacted("[repr failed]")
    cleaned = redact(text)
    return value if cleaned == text else _Redacted(cleaned)


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hides secret-named settings and variables, and PAN- or key-like values anywhere."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|PIN|PAN|KEK|SEED|CVV|CVC|DEK",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleaned = super().cleanse_setting(key, value)
        if isinstance(cleaned, str | bytes):
            return _redacted_value(cleaned)
        return cleaned

    def get_post_parameters(self, request: Any) -> Any:
        params = super().get_post_parameters(request)
        if not hasattr(params, "lists"):
            return params
        cleaned = params.copy()
        for name, values in params.lists():
            if self.hidden_settings.search(name):
                cleaned.setlist(name, [self.cleansed_substitute] * len(values))
            else:
                cleaned.setlist(name, [redact(str(v)) for v in values])
        return cleaned

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        cleaned = []
        for name, value in variables:
            if self.hidden_settings.search(name):
                cleaned.append((name, self.cleansed_substitute))
            else:
                cleaned.append((name, _redacted_value(value)))
        return cleaned


class RedactingExceptionReporter(ExceptionReporter):
    """Runs the whole rendered report through the redaction, whatever part a secret hid in
    (GET parameters, the exception message, request body, headers)."""

    def get_traceback_text(self) -> str:
        return redact(super().get_traceback_text())

    def get_traceback_html(self) -> str:
        return redact(super().get_traceback_html())
