"""What the secure channel must refuse, on the host and on the card."""

import os

import pytest

from provisioning.gp import (
    CardSecureChannel,
    CommandAPDU,
    KeySet,
    ResponseAPDU,
    SecureChannelError,
    SecurityLevel,
    open_secure_channel,
    scp03,
    start_session,
)
from tests.gp.echo_card import SD_AID, EchoCard

ECHO = bytes.fromhex("8040000003AABBCC00")


def make_card(*, scp=3, i_param=0x70, counter=0, keys=None):
    keys = keys or KeySet.single(os.urandom(16), kind="aes" if scp == 3 else "des")
    state = CardSecureChannel(
        keys, scp=scp, i_param=i_param, sequence_counter=counter, sd_aid=SD_AID
    )
    return keys, state, EchoCard(state)


class Tamper:
    """A man in the middle that flips one byte of the n-th command or answer after the handshake."""

    def __init__(self, card, *, command=None, answer=None):
        self.card = card
        self.command, self.answer = command, answer
        self.sent: list[bytes] = []
        self._n = -2  # INITIALIZE UPDATE and EXTERNAL AUTHENTICATE pass untouched

    def transmit(self, capdu: bytes) -> bytes:
        n, self._n = self._n, self._n + 1
        if n == self.command:
            capdu = capdu[:-2] + bytes((capdu[-2] ^ 1,)) + capdu[-1:]
        self.sent.append(capdu)
        answer = self.card.transmit(capdu)
        if n == self.answer:
            answer = bytes((answer[0] ^ 1,)) + answer[1:]
        return answer


def test_wrong_keys_fail_on_the_card_cryptogram():
    _, _, card = make_card()
    with pytest.raises(SecureChannelError, match="card cryptogram"):
        open_secure_channel(card, KeySet.single(os.urandom(16)))


def test_a_tampered_command_mac_aborts_the_session_on_both_sides():
    keys, state, card = make_card()
    channel = open_secure_channel(Tamper(card, command=1), keys)
    assert channel.transmit(ECHO) == bytes.fromhex("AABBCC9000")
    with pytest.raises(SecureChannelError) as caught:
        channel.transmit(ECHO)
    assert caught.value.sw == 0x6982
    assert channel.closed
    assert state.aborted
    assert not state.is_authenticated
    with pytest.raises(SecureChannelError, match="closed"):
        channel.transmit(ECHO)
    assert card.transmit(ECHO) == b"\x69\x82"  # the aborted card refuses even plain commands


def test_a_replayed_command_is_refused_because_the_mac_chain_moved_on():
    keys, state, card = make_card()
    tap = Tamper(card)
    channel = open_secure_channel(tap, keys, security_level=SecurityLevel(0x33))
    channel.transmit(ECHO)
    channel.transmit(ECHO)
    assert card.transmit(tap.sent[-1]) == b"\x69\x82"
    assert state.aborted


def test_a_tampered_r_mac_closes_the_host_channel():
    keys, _, card = make_card()
    channel = open_secure_channel(Tamper(card, answer=0), keys, security_level=SecurityLevel(0x11))
    with pytest.raises(SecureChannelError, match="R-MAC"):
        channel.transmit(ECHO)
    with pytest.raises(SecureChannelError, match="closed"):
        channel.transmit(ECHO)


def test_a_tampered_encrypted_answer_is_refused():
    keys, _, card = make_card()
    channel = open_secure_channel(Tamper(card, answer=0), keys, security_level=SecurityLevel(0x33))
    with pytest.raises(SecureChannelError):
        channel.transmit(ECHO)


def test_bad_padding_inside_a_correctly_maced_command_is_a_security_error(monkeypatch):
    keys, state, card = make_card()
    channel = open_secure_channel(card, keys, security_level=SecurityLevel(0x03))
    monkeypatch.setattr(scp03, "pad80", lambda data: data + bytes(-len(data) % 16))
    with pytest.raises(SecureChannelError) as caught:
        channel.transmit(ECHO)
    assert caught.value.sw == 0x6982
    assert state.aborted


def test_a_command_without_secure_messaging_is_refused_in_a_mac_session():
    keys, state, card = make_card()
    open_secure_channel(card, keys)
    assert card.transmit(ECHO) == b"\x69\x82"
    assert state.aborted


def test_a_wrong_host_cryptogram_gets_6300_and_a_wrong_mac_6982():
    keys, state, card = make_card()
    init = CommandAPDU(0x80, 0x50, 0, 0, bytes(8), le=256)
    answer = ResponseAPDU.parse(card.transmit(init.to_bytes()))
    iu = scp03.parse_init_update_response(answer.data)
    host = scp03.Scp03Session(keys, bytes(8), iu.card_challenge, i_param=iu.i_param)
    host.host_cryptogram = bytes(8)  # a host that does not know the keys
    auth = host.external_authenticate(SecurityLevel.C_MAC)
    assert state.external_authenticate(auth).sw == 0x6300
    assert not state.is_open

    card.transmit(init.to_bytes())
    auth = scp03.Scp03Session(keys, bytes(8), iu.card_challenge, i_param=0x70)
    command = auth.external_authenticate(SecurityLevel.C_MAC)
    forged = command.with_(data=command.data[:-1] + bytes((command.data[-1] ^ 1,)))
    state.initialize_update(init)
    assert state.external_authenticate(forged).sw == 0x6982
    assert state.aborted


def test_the_card_refuses_a_security_level_its_i_parameter_does_not_support():
    keys, state, card = make_card(i_param=0x10)
    with pytest.raises(SecureChannelError, match="does not support R-MAC"):
        open_secure_channel(card, keys, security_level=SecurityLevel(0x11))
    init = CommandAPDU(0x80, 0x50, 0, 0, bytes(8), le=256)
    iu = scp03.parse_init_update_response(state.initialize_update(init).data)
    pretend = scp03.Scp03Session(keys, bytes(8), iu.card_challenge, i_param=0x70)
    assert state.external_authenticate(pretend.external_authenticate(SecurityLevel(0x11))).sw == (
        0x6A86
    )


@pytest.mark.parametrize("level", [0x02, 0x12, 0x20, 0x31, 0x10])
def test_invalid_scp03_security_levels_are_refused_before_anything_is_sent(level):
    keys, _, card = make_card()
    with pytest.raises(SecureChannelError, match="not valid"):
        open_secure_channel(card, keys, security_level=SecurityLevel(level))


def test_an_unknown_key_version_is_referenced_data_not_found():
    keys, _, card = make_card()
    with pytest.raises(SecureChannelError) as caught:
        open_secure_channel(card, keys, key_version=0x31)
    assert caught.value.sw == 0x6A88


def test_an_exhausted_scp03_counter_refuses_initialize_update():
    keys, state, card = make_card(counter=0xFFFFFF)
    with pytest.raises(SecureChannelError) as caught:
        open_secure_channel(card, keys)
    assert caught.value.sw == 0x6985
    assert state.sequence_counter == 0xFFFFFF


def test_a_second_external_authenticate_is_refused():
    keys, state, card = make_card()
    tap = Tamper(card)
    open_secure_channel(tap, keys)
    assert card.transmit(tap.sent[1]) == b"\x69\x85"
    assert state.aborted


def test_the_card_refuses_secure_messaging_before_authentication():
    _, state, _ = make_card()
    with pytest.raises(SecureChannelError) as caught:
        state.unwrap_command(CommandAPDU.parse(ECHO))
    assert caught.value.sw == 0x6982
    with pytest.raises(SecureChannelError):
        state.decrypt_key(bytes(16))


def test_a_host_asking_for_scp03_from_an_scp02_card_is_told_so():
    _, _, card = make_card(scp=2, i_param=0x55)
    with pytest.raises(SecureChannelError, match="SCP02"):
        open_secure_channel(card, KeySet.single(os.urandom(16)), scp=3)


def test_wrong_challenge_lengths_and_modes_are_refused():
    keys, _, card = make_card()
    with pytest.raises(ValueError, match="8 bytes"):
        open_secure_channel(card, keys, host_challenge=bytes(16))
    with pytest.raises(ValueError, match="S16"):
        open_secure_channel(card, keys, scp=2, s16=True)
    with pytest.raises(ValueError, match="i parameter"):
        CardSecureChannel(keys, scp=3, i_param=0x50, sequence_counter=0, sd_aid=SD_AID)
    with pytest.raises(ValueError, match="i parameter"):
        CardSecureChannel(keys, scp=2, i_param=0x14, sequence_counter=0, sd_aid=SD_AID)


def test_a_card_whose_challenge_is_not_bound_to_the_selected_sd_is_refused():
    keys = KeySet.single(os.urandom(16))
    other_sd = bytes.fromhex("A0000001515350")
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=other_sd)
    answer = state.initialize_update(CommandAPDU(0x80, 0x50, 0, 0, bytes(8), le=256))
    assert start_session(keys, answer.data, bytes(8), scp=3, sd_aid=other_sd)
    with pytest.raises(SecureChannelError, match="pseudo-random"):
        start_session(keys, answer.data, bytes(8), scp=3, sd_aid=SD_AID)


@pytest.mark.parametrize(
    ("tamper", "words"), [({"command": 0}, "aborted"), ({"answer": 0}, "R-MAC")]
)
def test_scp02_tampering_is_detected_both_ways(tamper, words):
    keys, _, card = make_card(scp=2, i_param=0x35)
    channel = open_secure_channel(
        Tamper(card, **tamper), keys, scp=2, security_level=SecurityLevel(0x13), i_param=0x35
    )
    with pytest.raises(SecureChannelError, match=words):
        channel.transmit(ECHO)


def test_error_answers_carry_no_r_mac_and_are_accepted_at_every_r_mac_level():
    keys, _, card = make_card()
    channel = open_secure_channel(card, keys, security_level=SecurityLevel(0x33))
    assert channel.transmit(bytes.fromhex("80E40000024F00")) == b"\x6a\x88"
    assert channel.transmit(ECHO) == bytes.fromhex("AABBCC9000")
