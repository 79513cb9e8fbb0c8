"""SCP03 against every public transcript (globalplatform.md §2.1-2.3), host and card side.

Sources: pySim test_globalplatform.py (9 sessions), kaoh/globalplatform scp03Test.c (6),
Samsung OpenSCP-Java S8/S16 and a GlobalPlatformPro JCOP4 dump (via PeculiarVentures/scp).
"""

import pytest

from provisioning.gp import CardSecureChannel, CommandAPDU, KeySet, ResponseAPDU, kcv_aes
from provisioning.gp.crypto import AesKey
from provisioning.gp.scp03 import (
    Scp03Session,
    kdf,
    parse_init_update_response,
    pseudo_random_challenge,
    session_keys,
)
from tests.gp.transcripts import GP_TEST_KEY
from tests.gp.vectors_scp03_kaoh import KAOH_SCP03
from tests.gp.vectors_scp03_pysim import PYSIM_SCP03
from tests.gp.vectors_scp03_s16 import S16_AND_CARD_SCP03

ALL = PYSIM_SCP03 + KAOH_SCP03 + S16_AND_CARD_SCP03
WITH_EXCHANGES = [t for t in ALL if t.exchanges]
WITH_SD_AID = [t for t in ALL if t.sd_aid]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def name(t) -> str:
    return t.source.split(" via ")[0].split()[-1]


def host_side(t) -> Scp03Session:
    iu = parse_init_update_response(h(t.init_update_response))
    host_challenge = CommandAPDU.parse(h(t.init_update)).data
    return Scp03Session(t.keys, host_challenge, iu.card_challenge, i_param=iu.i_param)


def card_side(t):
    """The virtual card, brought to the transcript's state through its own INITIALIZE UPDATE.

    Where the SD AID behind a pseudo-random challenge is not public, the card-side session object
    is built from the published challenges instead (same code, minus challenge generation).
    """
    iu = parse_init_update_response(h(t.init_update_response))
    if t.sd_aid is None:
        session = host_side(t)
        session.check_external_authenticate(CommandAPDU.parse(h(t.external_authenticate)))
        return session
    card = CardSecureChannel(
        t.keys,
        scp=3,
        i_param=iu.i_param,
        sequence_counter=iu.sequence_counter - 1,
        sd_aid=h(t.sd_aid),
        kdd=iu.kdd,
    )
    card.initialize_update(CommandAPDU.parse(h(t.init_update)))
    assert card.external_authenticate(CommandAPDU.parse(h(t.external_authenticate))).sw == 0x9000
    return card


@pytest.mark.parametrize("t", ALL, ids=name)
def test_session_keys_are_the_published_ones(t):
    iu = parse_init_update_response(h(t.init_update_response))
    host_challenge = CommandAPDU.parse(h(t.init_update)).data
    derived = session_keys(t.keys, host_challenge, iu.card_challenge)
    assert (derived["enc"], derived["mac"], derived["rmac"]) == tuple(map(h, t.session_keys))


@pytest.mark.parametrize("t", ALL, ids=name)
def test_the_card_cryptogram_verifies_and_the_host_cryptogram_matches(t):
    iu = parse_init_update_response(h(t.init_update_response))
    session = host_side(t)
    assert session.card_cryptogram == iu.card_cryptogram
    if t.host_cryptogram:
        assert session.host_cryptogram == h(t.host_cryptogram)


@pytest.mark.parametrize("t", ALL, ids=name)
def test_the_host_sends_the_published_external_authenticate(t):
    session = host_side(t)
    assert session.external_authenticate(t.level).to_bytes() == h(t.external_authenticate)


@pytest.mark.parametrize("t", WITH_EXCHANGES, ids=name)
def test_the_host_wraps_and_unwraps_every_published_exchange(t):
    session = host_side(t)
    session.external_authenticate(t.level)
    for ex in t.exchanges:
        assert session.wrap_command(CommandAPDU.parse(h(ex.plain))).to_bytes() == h(ex.wrapped)
        if ex.wrapped_response:
            answer = session.unwrap_response(ResponseAPDU.parse(h(ex.wrapped_response)))
            assert answer.to_bytes() == h(ex.response)


@pytest.mark.parametrize("t", WITH_SD_AID, ids=name)
def test_pseudo_random_card_challenges_derive_from_the_counter_and_the_sd_aid(t):
    iu = parse_init_update_response(h(t.init_update_response))
    challenge = pseudo_random_challenge(t.keys, iu.sequence_counter, h(t.sd_aid))
    assert challenge == iu.card_challenge


@pytest.mark.parametrize("t", WITH_SD_AID, ids=name)
def test_the_virtual_card_answers_initialize_update_byte_for_byte(t):
    iu = parse_init_update_response(h(t.init_update_response))
    card = CardSecureChannel(
        t.keys,
        scp=3,
        i_param=iu.i_param,
        sequence_counter=iu.sequence_counter - 1,
        sd_aid=h(t.sd_aid),
        kdd=iu.kdd,
    )
    answer = card.initialize_update(CommandAPDU.parse(h(t.init_update)))
    assert answer.to_bytes() == h(t.init_update_response) + b"\x90\x00"
    assert card.sequence_counter == iu.sequence_counter  # incremented before use, persisted


@pytest.mark.parametrize("t", ALL, ids=name)
def test_the_virtual_card_accepts_the_published_external_authenticate(t):
    card = card_side(t)
    level = card.security_level if isinstance(card, CardSecureChannel) else card.level
    assert level == t.level


@pytest.mark.parametrize("t", WITH_EXCHANGES, ids=name)
def test_the_virtual_card_unwraps_every_published_command_and_wraps_every_answer(t):
    card = card_side(t)
    for ex in t.exchanges:
        assert card.unwrap_command(CommandAPDU.parse(h(ex.wrapped))).to_bytes() == h(ex.plain)
        if ex.wrapped_response:
            wrapped = card.wrap_response(ResponseAPDU.parse(h(ex.response)))
            assert wrapped.to_bytes() == h(ex.wrapped_response)


def test_kdf_matches_the_yubico_sdk_vector():
    """Yubico .NET SDK DerivationTests.cs (via PeculiarVentures/scp yubico_vectors_test.go)."""
    key = AesKey(h("FC90AA67CDC5DABFD5051663045DFA23"))
    context = h("360CB43F4301B894") + h("CAAFA4DAC615236A")
    assert kdf(key, 0x01, context, 64) == h("45330AB30BB1A079")


def test_session_key_kcvs_match_globalplatformpro_with_the_kdd_as_context():
    """GlobalPlatformPro TestPlaintextKeys.testSessionKeys_SCP03."""
    keys = KeySet.single(h(GP_TEST_KEY))
    derived = session_keys(keys, h("00010203040506070809"), b"")
    assert kcv_aes(derived["enc"]) == h("C25559")
    assert kcv_aes(derived["mac"]) == h("0E12CC")
    assert kcv_aes(derived["rmac"]) == h("9ACB9C")
    assert keys.kcvs["dek"] == h("504A77")  # the DEK stays static


def test_the_counter_mode_prf_input_layout_matches_globalplatformpro():
    """GlobalPlatformPro TestPlaintextKeys.testScp3Kdf: CMAC(K, 00 x 16 || 01 || 00 x 16)."""
    block = AesKey(h(GP_TEST_KEY)).cmac(bytes(16) + b"\x01" + bytes(16))
    assert kcv_aes(block) == h("BD8165")
