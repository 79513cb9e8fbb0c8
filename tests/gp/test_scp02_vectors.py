"""SCP02 against the public transcripts (globalplatform.md §2.4-2.5), host and card side.

Sources: pySim test_globalplatform.py SCP02_Test, kaoh/globalplatform scp02Test.c
(get_status_mac_only, install_mac_enc), GlobalPlatformPro TestPlaintextKeys (session-key KCVs,
key encryption).
"""

import pytest

from provisioning.gp import (
    CardSecureChannel,
    CommandAPDU,
    KeySet,
    ResponseAPDU,
    SecureChannelError,
    kcv_des,
    start_session,
)
from provisioning.gp.scp02 import Scp02Session, parse_init_update_response, session_keys
from tests.gp.transcripts import GP_TEST_KEY
from tests.gp.vectors_scp02 import SCP02

WITH_KEYS = [t for t in SCP02 if t.session_keys]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def name(t) -> str:
    return t.source.split()[-1]


def host_side(t) -> Scp02Session:
    iu = parse_init_update_response(h(t.init_update_response))
    return Scp02Session(
        t.keys,
        CommandAPDU.parse(h(t.init_update)).data,
        iu.card_challenge,
        sequence_counter=iu.sequence_counter,
        i_param=t.i_param,
    )


def card_side(t) -> CardSecureChannel:
    iu = parse_init_update_response(h(t.init_update_response))
    card = CardSecureChannel(
        t.keys,
        scp=2,
        i_param=t.i_param,
        sequence_counter=iu.sequence_counter,
        sd_aid=h("A000000151000000"),
        rng=lambda n: iu.card_challenge,
        kdd=iu.kdd,
    )
    # P1 00 ("first available key"): the pySim card answers KVN 70 to a request for KVN 20.
    command = CommandAPDU.parse(h(t.init_update)).with_(p1=0)
    answer = card.initialize_update(command)
    assert answer.to_bytes() == h(t.init_update_response) + b"\x90\x00"
    return card


@pytest.mark.parametrize("t", WITH_KEYS, ids=name)
def test_session_keys_are_the_published_ones(t):
    iu = parse_init_update_response(h(t.init_update_response))
    derived = session_keys(t.keys, iu.sequence_counter)
    expected = tuple(map(h, t.session_keys))
    assert (derived["enc"], derived["mac"], derived["rmac"], derived["dek"]) == expected


@pytest.mark.parametrize("t", SCP02, ids=name)
def test_the_card_cryptogram_verifies_and_the_host_sends_the_published_authentication(t):
    iu = parse_init_update_response(h(t.init_update_response))
    session = host_side(t)
    assert session.card_cryptogram == iu.card_cryptogram
    if t.host_cryptogram:
        assert session.host_cryptogram == h(t.host_cryptogram)
    assert session.external_authenticate(t.level).to_bytes() == h(t.external_authenticate)


@pytest.mark.parametrize("t", SCP02, ids=name)
def test_the_virtual_card_answers_and_authenticates_like_the_real_one(t):
    iu = parse_init_update_response(h(t.init_update_response))
    card = card_side(t)
    answer = card.external_authenticate(CommandAPDU.parse(h(t.external_authenticate)))
    assert answer.sw == 0x9000
    assert card.security_level == t.level
    assert card.sequence_counter == iu.sequence_counter + 1  # SCP02: after authentication


@pytest.mark.parametrize("t", SCP02, ids=name)
def test_every_published_command_unwraps_on_the_card_and_rewraps_on_the_host(t):
    card = card_side(t)
    card.external_authenticate(CommandAPDU.parse(h(t.external_authenticate)))
    host = host_side(t)
    host.external_authenticate(t.level)
    for ex in t.exchanges:
        plain = card.unwrap_command(CommandAPDU.parse(h(ex.wrapped)))
        if ex.plain is not None:
            assert plain.to_bytes() == h(ex.plain)
        assert plain.to_bytes().startswith(h(ex.plain_prefix))
        assert host.wrap_command(plain).to_bytes() == h(ex.wrapped)
        if ex.wrapped_response:
            answer = host.unwrap_response(ResponseAPDU.parse(h(ex.wrapped_response)))
            assert answer.to_bytes() == h(ex.response)


def test_the_mac_chain_goes_on_after_a_command_the_card_refused():
    """kaoh install_mac_enc: DELETE answers 6A88, and the next command's C-MAC chains on it."""
    t = next(t for t in SCP02 if t.source.endswith("install_mac_enc"))
    assert t.exchanges[0].response == "6A88"
    host = host_side(t)
    host.external_authenticate(t.level)
    host.wrap_command(CommandAPDU.parse(h(t.exchanges[0].plain)))
    host.unwrap_response(ResponseAPDU.parse(h("6A88")))
    assert host.wrap_command(CommandAPDU.parse(h(t.exchanges[1].plain))).to_bytes() == h(
        t.exchanges[1].wrapped
    )


def test_a_tampered_initialize_update_answer_fails_the_card_cryptogram():
    """pySim SCP02_Auth_Test: the last byte changed to FF must fail authentication."""
    t = SCP02[0]
    tampered = h(t.init_update_response)[:-1] + b"\xff"
    with pytest.raises(SecureChannelError, match="card cryptogram"):
        start_session(t.keys, tampered, CommandAPDU.parse(h(t.init_update)).data, scp=2)


def test_session_key_kcvs_match_globalplatformpro_at_counter_zero():
    """GlobalPlatformPro TestPlaintextKeys.testSessionKeys_SCP02 (full values: research §2.4)."""
    derived = session_keys(KeySet.single(h(GP_TEST_KEY), kind="des"), 0)
    assert kcv_des(derived["enc"]) == h("F2DCDD")
    assert kcv_des(derived["mac"]) == h("5FCC69")
    assert kcv_des(derived["dek"]) == h("85272E")
    assert kcv_des(derived["rmac"]) == h("9F749A")
    assert derived["enc"] == h("010B0371D78377B801F2D62AFC671D95")
    assert derived["mac"] == h("D1C28C601652A4770D67AD82D2D2E1C4")
    assert derived["dek"] == h("E11987EE331B417A5D67D760692F89D4")
    assert derived["rmac"] == h("FFAEC7EC7FAD69F9FBFF093BF2F79C45")


def test_key_encryption_uses_3des_ecb_under_the_session_dek():
    """GlobalPlatformPro TestPlaintextKeys.testKeyEncryption_SCP02 (counter 0000)."""
    keys = KeySet.single(h(GP_TEST_KEY), kind="des")
    session = Scp02Session(keys, bytes(8), bytes(6), sequence_counter=0)
    assert session.encrypt_key(h(GP_TEST_KEY)) == h("EFBEE6C6D99D7B70BDE9D7E927F020AF")
