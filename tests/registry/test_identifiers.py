import pytest

from mno.errors import RegistryError
from mno.identifiers import luhn_valid, normalize_iccid, normalize_msisdn
from tests.registry.factories import iccid

# A published test ICCID (ITU-T E.118 layout, Luhn check digit 3).
KNOWN_GOOD = "89014103211118510720"


def test_a_real_looking_iccid_passes_the_luhn_check() -> None:
    assert luhn_valid(KNOWN_GOOD)
    assert normalize_iccid("8901 4103 2111 1851 0720") == KNOWN_GOOD


def test_one_mistyped_digit_fails_the_check_digit() -> None:
    typo = KNOWN_GOOD[:5] + str((int(KNOWN_GOOD[5]) + 1) % 10) + KNOWN_GOOD[6:]
    with pytest.raises(RegistryError, match="check digit") as caught:
        normalize_iccid(typo)
    assert caught.value.code == "invalid_iccid"


@pytest.mark.parametrize("length", [17, 21])
def test_an_iccid_has_18_to_20_digits(length: int) -> None:
    with pytest.raises(RegistryError, match="18 to 20 digits"):
        normalize_iccid("8" * length)


# A letter O for a zero, full-width digits, nothing, a stray letter.
@pytest.mark.parametrize(
    "value", ["89O14103211118510720", "\uff18\uff19\uff10\uff11" * 5, "", "89-01-41x"]
)
def test_an_iccid_is_digits_only(value: str) -> None:
    with pytest.raises(RegistryError):
        normalize_iccid(value)


def test_the_test_factory_makes_valid_iccids_of_each_length() -> None:
    assert len(iccid(5)) == 19
    assert luhn_valid(iccid(5))


@pytest.mark.parametrize(
    "value", ["+14165550123", "416 555 0123", "(416) 555-0123", "1-416-555-0123"]
)
def test_an_msisdn_is_stored_in_e164_whatever_its_written_form(value: str) -> None:
    assert normalize_msisdn(value) == "+14165550123"


@pytest.mark.parametrize("value", ["555-0123", "+1 555 555 0100", "hello", "+99912345", ""])
def test_an_invalid_msisdn_is_refused_with_a_clear_reason(value: str) -> None:
    with pytest.raises(RegistryError, match="number") as caught:
        normalize_msisdn(value)
    assert caught.value.code == "invalid_msisdn"
    assert caught.value.field == "msisdn"


def test_a_card_number_typed_as_an_msisdn_is_refused_without_being_repeated() -> None:
    with pytest.raises(RegistryError) as refused:
        normalize_msisdn("4111 1111 1111 1111")
    assert "4111" not in refused.value.message
