"""Host SecureChannel <-> card CardSecureChannel round trips at every level, key length and i."""

import os

import pytest

from provisioning.gp import (
    CardSecureChannel,
    KeySet,
    SecureChannelError,
    SecurityLevel,
    diversify,
    open_secure_channel,
)
from provisioning.gp.sm import VALID_LEVELS
from tests.gp.echo_card import SD_AID, EchoCard


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def _scp03_cases():
    for length in (16, 24, 32):
        for i in (0x00, 0x10, 0x20, 0x30, 0x60, 0x70):
            for s16 in (False, True):
                for level in sorted(VALID_LEVELS[3]):
                    if (level & 0x10 and not i & 0x20) or (level & 0x20 and not i & 0x40):
                        continue
                    yield pytest.param(
                        length,
                        i,
                        s16,
                        level,
                        id=f"aes{length * 8}-i{i:02X}{'-s16' if s16 else ''}-sl{level:02X}",
                    )


def _scp02_cases():
    for i in (0x05, 0x15, 0x35, 0x55, 0x75):
        for level in sorted(VALID_LEVELS[2]):
            if level & 0x10 and not i & 0x20:
                continue
            yield pytest.param(i, level, id=f"i{i:02X}-sl{level:02X}")


# A personalisation-shaped script: every ISO case, a LOAD-sized block, an error, a warning.
SCRIPT = [
    ("80F0800F", "9000"),  # case 1
    ("80CA006610", "000102030405060708090A0B0C0D0E0F9000"),  # case 2
    ("80E29000" + "05" + "0102030405", "9000"),  # case 3
    ("8040000003AABBCC00", "AABBCC9000"),  # case 4
    ("80E80000EF" + "5A" * 239, "9000"),  # 239 bytes: the largest short LOAD block
    ("80E40000024F00", "6A88"),  # refused: no MAC on the answer, the chain goes on
    ("80F2400002" + "4F00", "4F006310"),  # warning with data: R-MAC applies
    ("8040000001FF00", "FF9000"),
]


def run_script(channel, card):
    for command, answer in SCRIPT:
        assert channel.transmit(h(command)) == h(answer)
    assert card.received == [h(c) for c, _ in SCRIPT]


@pytest.mark.parametrize(("length", "i_param", "s16", "level"), list(_scp03_cases()))
def test_scp03_round_trip(length, i_param, s16, level):
    keys = KeySet(os.urandom(length), os.urandom(length), os.urandom(length), version=0x30)
    channel_state = CardSecureChannel(
        keys, scp=3, i_param=i_param, sequence_counter=41, sd_aid=SD_AID, s16=s16
    )
    card = EchoCard(channel_state)
    channel = open_secure_channel(
        card, keys, scp=3, security_level=SecurityLevel(level), aid=SD_AID, s16=s16
    )
    assert (channel.scp, channel.i_param, channel.s16) == (3, i_param | int(s16), s16)
    assert channel.security_level == level == channel_state.security_level
    run_script(channel, card)
    expected_counter = 42 if i_param & 0x10 else 41
    assert channel_state.sequence_counter == expected_counter


@pytest.mark.parametrize(("i_param", "level"), list(_scp02_cases()))
def test_scp02_round_trip(i_param, level):
    keys = KeySet(os.urandom(16), os.urandom(16), os.urandom(16), version=0x20, kind="des")
    channel_state = CardSecureChannel(
        keys, scp=2, i_param=i_param, sequence_counter=7, sd_aid=SD_AID
    )
    card = EchoCard(channel_state)
    channel = open_secure_channel(
        card, keys, scp=2, security_level=SecurityLevel(level), aid=SD_AID, i_param=i_param
    )
    assert channel.security_level == level
    run_script(channel, card)
    assert channel_state.sequence_counter == 8  # SCP02 counts authenticated sessions


@pytest.mark.parametrize(("scp", "kind"), [(3, "aes"), (2, "des")])
def test_answers_split_by_61xx_are_reassembled_before_the_r_mac_check(scp, kind):
    keys = KeySet.single(os.urandom(16), kind=kind)
    i_param = 0x70 if scp == 3 else 0x35
    state = CardSecureChannel(keys, scp=scp, i_param=i_param, sequence_counter=0, sd_aid=SD_AID)
    card = EchoCard(state, chunk=20)
    channel = open_secure_channel(
        card, keys, scp=scp, security_level=SecurityLevel(0x13), aid=SD_AID, i_param=i_param
    )
    assert channel.transmit(h("80CA0066C8")) == bytes(i % 256 for i in range(200)) + h("9000")


def test_keys_encrypted_by_the_host_decrypt_on_the_card():
    keys = KeySet.single(os.urandom(32))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    channel = open_secure_channel(EchoCard(state), keys, security_level=SecurityLevel(0x33))
    for new_key in (os.urandom(16), os.urandom(24), os.urandom(32)):
        encrypted = channel.encrypt_key(new_key)
        assert len(encrypted) == (16 if len(new_key) == 16 else 32)
        assert state.decrypt_key(encrypted, len(new_key)) == new_key
    dgi = os.urandom(37)
    assert state.decrypt_sensitive(channel.encrypt_sensitive(dgi, pad=True), unpad=True) == dgi


def test_scp02_keys_travel_under_the_session_dek():
    keys = KeySet.single(os.urandom(16), kind="des")
    state = CardSecureChannel(keys, scp=2, i_param=0x55, sequence_counter=3, sd_aid=SD_AID)
    channel = open_secure_channel(EchoCard(state), keys, scp=2, aid=SD_AID, i_param=0x55)
    new_key = os.urandom(16)
    assert state.decrypt_key(channel.encrypt_key(new_key)) == new_key
    assert state.decrypt_sensitive(channel.encrypt_sensitive(b"\x01" * 16)) == b"\x01" * 16


def test_a_diversified_card_is_opened_with_the_master_keys_and_the_cards_kdd():
    master = KeySet.single(os.urandom(16))
    kdd = os.urandom(10)
    card_keys = diversify(master, kdd, "kdf3")
    state = CardSecureChannel(
        card_keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID, kdd=kdd
    )
    channel = open_secure_channel(EchoCard(state), master, aid=SD_AID, diversification="kdf3")
    assert channel.kdd == kdd
    assert channel.transmit(h("8040000001AA00")) == h("AA9000")


def test_the_channel_never_shows_a_key():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    channel = open_secure_channel(EchoCard(state), keys, aid=SD_AID)
    for text in (repr(channel), repr(state), repr(channel._session)):
        assert keys.enc.hex() not in text.lower()


def test_a_closed_channel_refuses_to_send():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    channel = open_secure_channel(EchoCard(state), keys, aid=SD_AID)
    channel.close()
    assert channel.closed
    with pytest.raises(SecureChannelError, match="closed"):
        channel.transmit(h("80CA006600"))
    with pytest.raises(SecureChannelError, match="closed"):
        channel.encrypt_key(os.urandom(16))


@pytest.mark.parametrize(("scp", "kind", "i_param"), [(3, "aes", 0x70), (2, "des", 0x75)])
def test_extended_length_commands_are_wrapped_and_unwrapped(scp, kind, i_param):
    keys = KeySet.single(os.urandom(16), kind=kind)
    state = CardSecureChannel(keys, scp=scp, i_param=i_param, sequence_counter=0, sd_aid=SD_AID)
    card = EchoCard(state)
    level = SecurityLevel(0x33 if scp == 3 else 0x13)
    channel = open_secure_channel(card, keys, scp=scp, security_level=level, i_param=i_param)
    data = os.urandom(600)
    command = b"\x80\x40\x00\x00\x00" + len(data).to_bytes(2, "big") + data + b"\x00\x00"
    assert channel.transmit(command) == data + b"\x90\x00"
    assert card.received == [command]
