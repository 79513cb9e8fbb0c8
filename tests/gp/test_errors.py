"""Status words and the engine's error types."""

import pytest

from provisioning.gp import GPError, GPParseError, SecureChannelError, sw_meaning


@pytest.mark.parametrize(
    ("sw", "words"),
    [
        (0x9000, "success"),
        (0x6300, "host cryptogram"),
        (0x6310, "more data"),
        (0x6581, "memory failure"),
        (0x6700, "wrong length"),
        (0x6881, "logical channel"),
        (0x6882, "secure messaging"),
        (0x6982, "security status"),
        (0x6983, "blocked"),
        (0x6984, "not usable"),
        (0x6985, "conditions of use"),
        (0x6A80, "incorrect parameters"),
        (0x6A81, "function not supported"),
        (0x6A82, "not found"),
        (0x6A84, "not enough memory"),
        (0x6A86, "incorrect p1 p2"),
        (0x6A88, "referenced data not found"),
        (0x6D00, "instruction"),
        (0x6E00, "class not supported"),
        (0x6F00, "no precise diagnosis"),
        (0x6400, "execution error"),
    ],
)
def test_sw_meaning_names_each_gp_status_word(sw, words):
    assert words in sw_meaning(sw).lower()


def test_sw_meaning_decodes_the_parametrised_families():
    assert "18 response bytes" in sw_meaning(0x6112)
    assert "256 response bytes" in sw_meaning(0x6100)
    assert "Le = 16" in sw_meaning(0x6C10)
    assert "2 tries left" in sw_meaning(0x63C2)
    assert sw_meaning(0x1234) == "unknown status word"


def test_gp_error_carries_the_status_word_and_its_meaning():
    err = GPError("DELETE failed", sw=0x6A88)
    assert err.sw == 0x6A88
    assert "6A88" in str(err)
    assert "referenced data not found" in str(err)
    assert GPError("no card").sw is None


def test_parse_error_is_both_a_gp_error_and_a_value_error():
    assert issubclass(GPParseError, GPError)
    assert issubclass(GPParseError, ValueError)
    assert issubclass(SecureChannelError, GPError)
