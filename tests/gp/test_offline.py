"""Offline session preparation: a whole script computed before the card is reached."""

import os

import pytest

from provisioning.gp import (
    CardSecureChannel,
    GPError,
    KeySet,
    SecureChannelError,
    SecurityLevel,
    open_secure_channel,
    prepare_session,
)
from tests.gp.echo_card import SD_AID, EchoCard
from tests.gp.transcripts import PYSIM_ISD_R
from tests.gp.vectors_scp03_pysim import PYSIM_SCP03

SCRIPT = [
    bytes.fromhex(c)
    for c in ("80F0800F", "80CA006610", "8040000003AABBCC00", "80E40000024F00", "8040000001FF00")
]
ANSWERS = [
    bytes.fromhex(a)
    for a in ("9000", "000102030405060708090A0B0C0D0E0F9000", "AABBCC9000", "6A88", "FF9000")
]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize("t", PYSIM_SCP03, ids=lambda t: t.source.rsplit("Test_", 1)[1])
def test_a_prepared_session_is_byte_identical_to_the_published_pysim_session(t):
    """pySim SCP03 transcripts: the card uses i=70, so every byte can be computed in advance."""
    seq = int(t.init_update_response[-6:], 16)
    prepared = prepare_session(
        t.keys,
        scp=3,
        security_level=SecurityLevel(t.level),
        sequence_counter=seq - 1,
        sd_aid=h(PYSIM_ISD_R),
        commands=[h(ex.plain) for ex in t.exchanges],
        host_challenge=h(t.init_update[10:26]),
        select_aid=False,
    )
    expected = [t.init_update, t.external_authenticate] + [ex.wrapped for ex in t.exchanges]
    assert prepared.apdus == [h(x) for x in expected]
    eid = t.exchanges[0]
    answers = [h(t.init_update_response) + b"\x90\x00", b"\x90\x00", h(eid.wrapped_response)]
    assert prepared.verify(answers) == [h(eid.response)]


@pytest.mark.parametrize(
    ("scp", "kind", "i_param", "level", "s16"),
    [
        (3, "aes", 0x70, 0x33, False),
        (3, "aes", 0x70, 0x33, True),
        (3, "aes", 0x10, 0x03, False),
        (3, "aes", 0x30, 0x11, False),
        (2, "des", 0x55, 0x03, False),
        (2, "des", 0x75, 0x13, False),
    ],
)
def test_a_whole_session_travels_in_one_batch_and_verifies(scp, kind, i_param, level, s16):
    keys = KeySet.single(os.urandom(16), kind=kind)
    state = CardSecureChannel(
        keys, scp=scp, i_param=i_param, sequence_counter=9, sd_aid=SD_AID, s16=s16
    )
    card = EchoCard(state)
    prepared = prepare_session(
        keys,
        scp=scp,
        security_level=SecurityLevel(level),
        sequence_counter=9,
        sd_aid=SD_AID,
        commands=SCRIPT,
        s16=s16,
        i_param=i_param,
    )
    responses = [card.transmit(apdu) for apdu in prepared.apdus]  # one round trip's worth
    assert prepared.verify(responses) == ANSWERS
    assert card.received == SCRIPT
    assert state.sequence_counter == prepared.next_sequence_counter == 10


@pytest.mark.parametrize(("scp", "kind", "i_param"), [(3, "aes", 0x70), (2, "des", 0x55)])
def test_preparation_sends_the_same_bytes_as_a_live_channel(scp, kind, i_param):
    keys = KeySet.single(os.urandom(16), kind=kind)
    state = CardSecureChannel(keys, scp=scp, i_param=i_param, sequence_counter=3, sd_aid=SD_AID)

    class Recorder(EchoCard):
        sent: list[bytes] = []

        def transmit(self, capdu: bytes) -> bytes:
            self.sent.append(capdu)
            return super().transmit(capdu)

    live = Recorder(state)
    channel = open_secure_channel(
        live,
        keys,
        scp=scp,
        security_level=SecurityLevel(0x03),
        aid=SD_AID,
        key_version=keys.version,
        host_challenge=bytes(range(8)),
        i_param=i_param,
    )
    for command in SCRIPT:
        channel.transmit(command)
    prepared = prepare_session(
        keys,
        scp=scp,
        security_level=SecurityLevel(0x03),
        sequence_counter=3,
        sd_aid=SD_AID,
        commands=SCRIPT,
        host_challenge=bytes(range(8)),
        i_param=i_param,
    )
    assert prepared.apdus == live.sent


def test_preparing_again_with_the_stored_host_challenge_rebuilds_the_same_script():
    keys = KeySet.single(os.urandom(16))
    first = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x33),
        sequence_counter=0,
        sd_aid=SD_AID,
        commands=SCRIPT,
    )
    again = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x33),
        sequence_counter=0,
        sd_aid=SD_AID,
        commands=SCRIPT,
        host_challenge=first.host_challenge,
    )
    assert again.apdus == first.apdus
    assert keys.enc.hex() not in repr(first).lower()


def test_a_card_whose_counter_moved_on_is_detected():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=12, sd_aid=SD_AID)
    card = EchoCard(state)
    prepared = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x03),
        sequence_counter=10,
        sd_aid=SD_AID,
        commands=SCRIPT,
    )
    responses = [card.transmit(apdu) for apdu in prepared.apdus]
    assert responses[2] == b"\x69\x82"  # the card rejects the precomputed authentication
    with pytest.raises(SecureChannelError, match=r"sequence counter 13.*prepared for 11"):
        prepared.verify(responses)


def test_a_tampered_answer_fails_verification():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    prepared = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x13),
        sequence_counter=0,
        sd_aid=SD_AID,
        commands=SCRIPT,
    )
    responses = [EchoCard(state).transmit(apdu) for apdu in prepared.apdus]
    responses[4] = b"\x01" + responses[4][1:]
    with pytest.raises(SecureChannelError, match="R-MAC"):
        prepared.verify(responses)


def test_a_card_that_stopped_early_yields_the_answers_it_gave():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    prepared = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x11),
        sequence_counter=0,
        sd_aid=SD_AID,
        commands=SCRIPT,
    )
    responses = [EchoCard(state).transmit(apdu) for apdu in prepared.apdus[:5]]
    assert prepared.verify(responses) == ANSWERS[:2]
    with pytest.raises(GPError, match="before the session was authenticated"):
        prepared.verify(responses[:2])
    with pytest.raises(GPError, match="responses for"):
        prepared.verify(responses * 3)


def test_an_aborted_session_is_reported():
    keys = KeySet.single(os.urandom(16))
    state = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)
    prepared = prepare_session(
        keys,
        scp=3,
        security_level=SecurityLevel(0x01),
        sequence_counter=0,
        sd_aid=SD_AID,
        commands=SCRIPT,
    )
    apdus = list(prepared.apdus)
    apdus[3] = apdus[3][:-1] + bytes((apdus[3][-1] ^ 1,))
    card = EchoCard(state)
    with pytest.raises(SecureChannelError) as caught:
        prepared.verify([card.transmit(apdu) for apdu in apdus])
    assert caught.value.sw == 0x6982


@pytest.mark.parametrize(("scp", "i_param"), [(3, 0x60), (3, 0x00), (2, 0x15), (2, 0x35)])
def test_random_challenge_cards_cannot_be_prepared_for(scp, i_param):
    keys = KeySet.single(bytes(16), kind="aes" if scp == 3 else "des")
    with pytest.raises(ValueError, match="random card challenges"):
        prepare_session(
            keys,
            scp=scp,
            security_level=SecurityLevel(0x01),
            sequence_counter=0,
            sd_aid=SD_AID,
            commands=[],
            i_param=i_param,
        )
