"""Card numbers and keys never reach a log line or an error report in clear."""

import io
import logging
import sys

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter

from enstream.redaction import (
    RedactingExceptionReporter,
    RedactingExceptionReporterFilter,
    RedactSecretsFilter,
    redact,
)

PAN = "4111111111111111"
AMEX = "378282246310005"
KEY_HEX = "404142434445464748494A4B4C4D4E4F"
KEY = bytes.fromhex(KEY_HEX)
ICCID = "8901260012345678905"

logger = logging.getLogger("enstream.tests.redaction")


@pytest.mark.parametrize(
    "written",
    [PAN, "4111 1111 1111 1111", "4111-1111-1111-1111", AMEX, "3782 822463 10005"],
    ids=["plain", "spaced", "dashed", "amex", "amex grouped"],
)
def test_a_card_number_becomes_its_last_four_digits(written: str) -> None:
    text = redact(f"card {written} declined")
    assert text == f"card [PAN ****{written[-4:]}] declined"


def test_a_card_number_followed_by_other_digits_is_still_masked() -> None:
    text = redact("pan 4111 1111 1111 1111 123 exp 12/29")
    assert "4111" not in text
    assert "[PAN ****1111]" in text


def test_a_card_number_inside_a_url_is_masked() -> None:
    assert (
        redact(f"GET /api/v1/lookup?pan={PAN}&x=1") == "GET /api/v1/lookup?pan=[PAN ****1111]&x=1"
    )


@pytest.mark.parametrize(
    "harmless",
    [
        "4111111111111112",  # fails the Luhn check
        "order 123456789012",  # 12 digits
        f"ICCID {ICCID}",  # a SIM, not a card
        "at 2026-11-28 12:15:00",
        "+1 416-555-0100",
    ],
)
def test_numbers_that_are_not_card_numbers_stay_readable(harmless: str) -> None:
    assert redact(harmless) == harmless


@pytest.mark.parametrize(
    "written",
    [
        KEY_HEX,
        KEY_HEX.lower(),
        "0x" + KEY_HEX,
        " ".join(f"{b:02X}" for b in KEY),
        ":".join(f"{b:02x}" for b in KEY),
        repr(KEY),
        repr(bytes(range(200, 232))),
        "dGhpcyBpcyBhIHNlY3JldCBrZXkgb2YgMzIgYnl0ZXMh",  # base64 of 32 bytes
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",  # base32, as a TOTP seed in an otpauth:// link
        "whsec_qAzWsXeDcRfVtGbYhNuJmIkOlPqAzWsXeDcRfVtGbY",  # base64url with no digit
    ],
    ids=[
        "hex",
        "lower hex",
        "0x hex",
        "spaced hex",
        "colon hex",
        "bytes",
        "bytes escapes",
        "b64",
        "b32",
        "b64 without digits",
    ],
)
def test_a_key_in_any_common_spelling_is_redacted(written: str) -> None:
    text = redact(f"key={written} loaded")
    assert written not in text
    assert "REDACTED" in text


def test_short_hex_and_ordinary_words_stay_readable() -> None:
    line = (
        "SW 6A88 for AID A0000000041010 in enstream.keystore.backends.pkcs11 (RedactSecretsFilter)"
    )
    assert redact(line) == line


def test_a_log_call_with_a_card_argument_reaches_caplog_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        logger.info("provisioning card %s for %s", PAN, ICCID)
    assert PAN not in caplog.text
    assert "[PAN ****1111]" in caplog.text
    assert ICCID in caplog.text
    assert PAN not in caplog.records[0].getMessage()


def test_a_key_logged_at_debug_reaches_caplog_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        logger.debug("session keys %r / %s", KEY, KEY.hex())
    assert KEY.hex() not in caplog.text.lower()
    assert repr(KEY) not in caplog.text


def test_an_exception_message_with_a_card_number_is_masked_in_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise ValueError(f"card {PAN} rejected with key {KEY_HEX}")
    except ValueError:
        logger.exception("provisioning failed")
    assert PAN not in caplog.text
    assert KEY_HEX not in caplog.text
    assert "ValueError: card [PAN ****1111] rejected" in caplog.text


def test_extra_fields_are_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logger.info("lookup", extra={"pan": PAN})
    assert caplog.records[0].pan == "[PAN ****1111]"


def test_a_handler_added_by_anyone_receives_redacted_records() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    other = logging.getLogger("some.library")
    other.addHandler(handler)
    other.setLevel(logging.INFO)
    try:
        other.warning("card=%s", PAN)
    finally:
        other.removeHandler(handler)
    assert stream.getvalue() == "card=[PAN ****1111]\n"


def test_the_filter_catches_a_record_built_by_hand() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pan %s", (PAN,), None)
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "pan [PAN ****1111]"


def test_a_malformed_log_call_does_not_leak_its_arguments(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logger.info("two placeholders %s %s", PAN)
    assert PAN not in caplog.text


def error_report(request_path: str = "/", **post: str) -> tuple[str, str]:
    request = RequestFactory().post(request_path, data=post)

    def failing_view(request: object) -> None:
        dek = KEY  # noqa: F841 - local variables appear in the report
        card_number_in_words = f"pan is {PAN}"  # noqa: F841
        raise RuntimeError(f"could not personalise {PAN}")

    try:
        failing_view(request)
    except RuntimeError:
        reporter = RedactingExceptionReporter(request, *sys.exc_info())
        return reporter.get_traceback_text(), reporter.get_traceback_html()
    raise AssertionError("the view did not fail")


def test_error_reports_hide_cards_and_keys_in_locals_post_get_and_message() -> None:
    for report in error_report(f"/provision?pan={PAN}", card=PAN, note=f"key {KEY_HEX}"):
        assert PAN not in report
        assert KEY_HEX not in report
        assert KEY_HEX.lower() not in report
        assert repr(KEY) not in report
        assert "****1111" in report


def test_the_filter_alone_hides_secret_named_variables_and_secret_looking_values() -> None:
    request = RequestFactory().post("/", data={"card": PAN, "api_key": "anything"})
    reporter_filter = RedactingExceptionReporterFilter()
    params = reporter_filter.get_post_parameters(request)
    assert params["card"] == "[PAN ****1111]"
    assert params["api_key"] == reporter_filter.cleansed_substitute


def test_settings_whose_value_looks_like_a_card_or_key_are_hidden() -> None:
    with override_settings(SOME_DIAGNOSTIC_VALUE=f"test card {PAN}"):
        safe = RedactingExceptionReporterFilter().get_safe_settings()
    assert PAN not in repr(safe["SOME_DIAGNOSTIC_VALUE"])


def test_django_uses_the_redacting_reporter_and_filter() -> None:
    from django.views.debug import (
        get_default_exception_reporter_filter,
        get_exception_reporter_class,
    )

    request = RequestFactory().get("/")
    assert issubclass(get_exception_reporter_class(request), RedactingExceptionReporter)
    assert isinstance(get_default_exception_reporter_filter(), RedactingExceptionReporterFilter)
    assert issubclass(RedactingExceptionReporter, ExceptionReporter)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "hostile",
    [
        "b'" + "\\x41" * 5000,  # an unclosed bytes repr
        'b"' + "\\x41a" * 5000,
        " ".join(["aa"] * 20000) + "a",
        "12-" * 5000,
        "A1b" * 10000 + "====",
    ],
    ids=["unclosed bytes", "unclosed bytes in double quotes", "hex pairs", "digit pairs", "b64"],
)
def test_a_hostile_line_is_redacted_without_runaway_backtracking(hostile: str) -> None:
    assert isinstance(redact(hostile), str)


def test_a_bytes_repr_holding_quotes_and_escapes_is_redacted() -> None:
    key = b"\x00'\"\\\n" + bytes(range(65, 80))
    assert repr(key) not in redact(f"key {key!r} and more")
