"""ISO 7816-4 command/response APDUs and the 61xx/6Cxx transport wrapper."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.gp import CommandAPDU, GPError, GPParseError, ResponseAPDU, T0Transport


@pytest.mark.parametrize(
    ("apdu", "hexed"),
    [
        (CommandAPDU(0x80, 0xF2, 0x20, 0x02), "80F22002"),
        (CommandAPDU(0x80, 0xCA, 0x00, 0x66, le=256), "80CA006600"),
        (CommandAPDU(0x80, 0xCA, 0x00, 0x66, le=0), "80CA006600"),
        (CommandAPDU(0x00, 0xC0, 0x00, 0x00, le=0x12), "00C0000012"),
        (CommandAPDU(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00", le=256), "80F28002024F0000"),
        (
            CommandAPDU(0x00, 0xA4, 0x04, 0x00, bytes.fromhex("A000000151000000")),
            "00A4040008A000000151000000",
        ),
        (CommandAPDU(0x80, 0xE8, 0x00, 0x00, b"x" * 256), "80E80000000100" + "78" * 256),
        (CommandAPDU(0x80, 0xCA, 0x00, 0x66, le=257), "80CA0066000101"),
        (CommandAPDU(0x80, 0xCA, 0x00, 0x66, le=65536), "80CA0066000000"),
        (
            CommandAPDU(0x80, 0xE8, 0, 0, b"x" * 300, le=65536),
            "80E8000000012C" + "78" * 300 + "0000",
        ),
    ],
)
def test_commands_encode_as_the_short_or_extended_iso_case_they_need(apdu, hexed):
    assert apdu.to_bytes().hex().upper() == hexed.upper()
    assert CommandAPDU.parse(apdu.to_bytes()) == apdu


def test_extended_encoding_can_be_forced_and_short_refused_when_too_big():
    small = CommandAPDU(0x80, 0xE2, 0x90, 0x00, b"\x01\x02", le=256)
    assert small.to_bytes(extended=True).hex().upper() == "80E2900000000201020100"
    assert CommandAPDU.parse(small.to_bytes(extended=True)) == small
    with pytest.raises(ValueError, match="short"):
        CommandAPDU(0x80, 0xE8, 0, 0, b"x" * 256).to_bytes(extended=False)


def test_case_numbers_follow_iso_7816_3():
    assert CommandAPDU(0, 0, 0, 0).case == 1
    assert CommandAPDU(0, 0, 0, 0, le=1).case == 2
    assert CommandAPDU(0, 0, 0, 0, b"1").case == 3
    assert CommandAPDU(0, 0, 0, 0, b"1", 1).case == 4


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"cla": 256}, "cla"),
        ({"p2": -1}, "p2"),
        ({"le": 65537}, "le"),
        ({"data": b"x" * 65536}, "exceeds"),
    ],
)
def test_impossible_commands_are_refused(kwargs, words):
    fields = {"cla": 0x80, "ins": 0xCA, "p1": 0, "p2": 0} | kwargs
    with pytest.raises(ValueError, match=words):
        CommandAPDU(**fields)


@pytest.mark.parametrize(
    ("hexed", "words"),
    [
        ("80CA00", "at least a 4-byte header"),
        ("80CA006602AA", "Lc 2 at offset 4"),
        ("80CA006601AABBCC", "Lc 1 at offset 4"),
        ("80CA006600AA", "6 bytes"),
        ("80CA00660000", "6 bytes"),
        ("80CA0066000000AA", "extended Lc of 0"),
        ("80CA00660000031122", "extended Lc 3 at offset 5"),
    ],
)
def test_malformed_command_bytes_raise_a_parse_error(hexed, words):
    with pytest.raises(GPParseError, match=words):
        CommandAPDU.parse(bytes.fromhex(hexed))


def test_responses_split_data_and_status_word():
    resp = ResponseAPDU.parse(bytes.fromhex("0102036A88"))
    assert resp.data == b"\x01\x02\x03"
    assert (resp.sw, resp.sw1, resp.sw2) == (0x6A88, 0x6A, 0x88)
    assert not resp.ok
    assert resp.to_bytes() == bytes.fromhex("0102036A88")
    with pytest.raises(GPError) as caught:
        resp.raise_for_status()
    assert caught.value.sw == 0x6A88
    assert ResponseAPDU(b"", 0x6310).raise_for_status(0x6310).sw == 0x6310
    assert ResponseAPDU(b"", 0x9000).ok
    with pytest.raises(GPParseError, match="SW1 SW2"):
        ResponseAPDU.parse(b"\x90")


class ScriptedCard:
    """Answers from a fixed list and records every command it received."""

    def __init__(self, *answers: str) -> None:
        self.answers = [bytes.fromhex(a) for a in answers]
        self.seen: list[str] = []

    def transmit(self, capdu: bytes) -> bytes:
        self.seen.append(capdu.hex().upper())
        return self.answers.pop(0)


def test_61xx_is_followed_by_get_response_and_the_data_concatenated():
    card = ScriptedCard("AABB6103", "CCDDEE6102", "FF009000")
    assert T0Transport(card).transmit(bytes.fromhex("80CA006600")).hex().upper() == (
        "AABBCCDDEEFF009000"
    )
    assert card.seen == ["80CA006600", "00C0000003", "00C0000002"]


def test_get_response_stays_on_the_commands_logical_channel():
    card = ScriptedCard("6100", "9000")
    T0Transport(card).transmit(bytes.fromhex("81CA006600"))
    assert card.seen[1] == "01C0000000"
    card = ScriptedCard("6101", "019000")
    T0Transport(card).transmit(bytes.fromhex("C5CA006600"))
    assert card.seen[1] == "45C0000001"


def test_6cxx_resends_the_same_command_with_the_le_the_card_asked_for():
    card = ScriptedCard("6C10", "00" * 16 + "9000")
    out = T0Transport(card).transmit(bytes.fromhex("80CA9F7F00"))
    assert out == bytes(16) + b"\x90\x00"
    assert card.seen == ["80CA9F7F00", "80CA9F7F10"]


def test_a_card_that_never_stops_answering_61xx_is_cut_off():
    class Looping:
        def transmit(self, capdu: bytes) -> bytes:
            return b"\x61\x01"

    with pytest.raises(GPError, match="61xx"):
        T0Transport(Looping()).transmit(bytes.fromhex("80CA006600"))


_commands = st.builds(
    CommandAPDU,
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    # Hypothesis cannot draw 64 KiB cheaply; a repeated byte reaches the extended-length edge.
    st.one_of(st.binary(max_size=300), st.integers(65530, 65535).map(lambda n: b"\x5a" * n)),
    st.one_of(st.none(), st.integers(1, 65536)),
)


@settings(max_examples=150, deadline=None)
@given(_commands, st.booleans())
def test_any_command_round_trips_through_its_encoding(apdu, force_extended):
    raw = apdu.to_bytes(extended=force_extended or None)
    assert CommandAPDU.parse(raw) == apdu


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_either_parse_as_a_command_or_raise_a_parse_error(raw):
    try:
        apdu = CommandAPDU.parse(raw)
    except GPParseError:
        return
    assert CommandAPDU.parse(apdu.to_bytes()) == apdu


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_either_parse_as_a_response_or_raise_a_parse_error(raw):
    try:
        resp = ResponseAPDU.parse(raw)
    except GPParseError:
        return
    assert resp.to_bytes() == raw
