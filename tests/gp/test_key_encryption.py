"""Key values under the DEK, as PUT KEY and STORE DATA carry them (globalplatform.md §2.6)."""

import pytest

from provisioning.gp import KeySet, kcv_aes
from provisioning.gp.scp03 import Scp03Session

NEW_KEYS = [bytes(range(base, base + 16)) for base in (0x40, 0x50, 0x60)]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def scp03_session_with_dek(dek: bytes) -> Scp03Session:
    # The DEK is static in SCP03: any challenges give the same key encryption.
    return Scp03Session(KeySet(bytes(16), bytes(16), dek), bytes(8), bytes(8), i_param=0x70)


def test_scp03_key_encryption_matches_kaoh_store_data_keys():
    """kaoh/globalplatform storeDataTest.c test_build_store_data_keys_scp03_aes128."""
    session = scp03_session_with_dek(h("000102030405060708090A0B0C0D0E0F"))
    assert [session.encrypt_key(k) for k in NEW_KEYS] == [
        h("D533E59B45A153ED7E5E9C5DFCFD4AAA"),
        h("3EF0B1A5E3059DAB21FCE23A7B61C4CA"),
        h("ADDE68F7AD497268D31A0DDD5C74B08F"),
    ]
    assert [kcv_aes(k) for k in NEW_KEYS] == [h("504A77"), h("F2A8DF"), h("D7D0E4")]


def test_the_put_key_data_field_of_the_research_notes_is_reproduced():
    """Amendment D Table 7-10 layout: KVN, then 88 len(key+1) len ciphered-key 03 KCV per key."""
    session = scp03_session_with_dek(h("000102030405060708090A0B0C0D0E0F"))
    field = b"\x01" + b"".join(
        b"\x88\x11\x10" + session.encrypt_key(k) + b"\x03" + kcv_aes(k) for k in NEW_KEYS
    )
    assert field == h(
        "01"
        "881110D533E59B45A153ED7E5E9C5DFCFD4AAA03504A77"
        "8811103EF0B1A5E3059DAB21FCE23A7B61C4CA03F2A8DF"
        "881110ADDE68F7AD497268D31A0DDD5C74B08F03D7D0E4"
    )


@pytest.mark.parametrize("length", [16, 24, 32])
def test_aes_keys_of_every_length_round_trip_and_24_byte_keys_are_padded(length):
    session = scp03_session_with_dek(bytes(range(32, 48)))
    key = bytes(range(length))
    encrypted = session.encrypt_key(key)
    assert len(encrypted) == {16: 16, 24: 32, 32: 32}[length]
    assert session.decrypt_key(encrypted, length) == key


def test_keys_of_impossible_lengths_are_refused():
    session = scp03_session_with_dek(bytes(16))
    with pytest.raises(ValueError, match="16, 24 or 32"):
        session.encrypt_key(bytes(20))
    with pytest.raises(ValueError, match="16-byte blocks"):
        session.encrypt_sensitive(bytes(20))
