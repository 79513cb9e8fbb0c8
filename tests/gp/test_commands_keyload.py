"""PUT KEY and SSD key-loading DGIs against kaoh/globalplatform and GlobalPlatformPro vectors."""

import pytest

from provisioning.gp.crypto import aes_cbc_encrypt, des3_ecb_encrypt
from provisioning.gp.errors import GPError
from provisioning.gp.keyload import (
    KEY_ACCESS_SD_AND_APPS,
    KEY_TYPE_AES,
    check_put_key_response,
    key_loading_dgis,
    put_key,
)
from provisioning.gp.keys import KeySet

h = bytes.fromhex

ENC, MAC, DEK = (
    h("404142434445464748494A4B4C4D4E4F"),
    h("505152535455565758595A5B5C5D5E5F"),
    h("606162636465666768696A6B6C6D6E6F"),
)
KAOH_DEK = h("000102030405060708090A0B0C0D0E0F")


def _under(dek: bytes):
    return lambda key: aes_cbc_encrypt(dek, key)


def test_key_loading_dgis_match_kaoh_for_an_aes_128_key_set():
    dgis = key_loading_dgis(
        [(1, ENC), (2, MAC), (3, DEK)],
        version=0x01,
        key_type=KEY_TYPE_AES,
        encrypt_key=_under(KAOH_DEK),
    )
    assert dgis == h(
        "00B930B710800188810110830101960101970200 03"
        "B908820101 8403504A77 B908820102 8403F2A8DF B908820103 8403D7D0E4"
        "811310D533E59B45A153ED7E5E9C5DFCFD4AAA"
        "8113103EF0B1A5E3059DAB21FCE23A7B61C4CA"
        "811310ADDE68F7AD497268D31A0DDD5C74B08F".replace(" ", "")
    )


def test_key_loading_dgis_match_kaoh_for_one_aes_256_key():
    key = bytes(range(32))
    dgis = key_loading_dgis(
        [(1, key)],
        version=0x02,
        key_type=KEY_TYPE_AES,
        encrypt_key=_under(key),
        access=KEY_ACCESS_SD_AND_APPS,
    )
    assert dgis == h(
        "00b91cb710800188810120830102960100970200 03b908820101840375e208"
        "8113205a6e045708fb7196f02e553d02c3a692c77147ebd5121de8d0fae7762423b6bf".replace(" ", "")
    )


def test_key_loading_refuses_keys_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        key_loading_dgis([(1, ENC), (2, bytes(24))], version=1, key_type=0x88, encrypt_key=bytes)


def test_put_key_adds_a_key_set_with_the_research_data_field():
    keys = KeySet(ENC, MAC, DEK, version=0x01)
    command = put_key(keys, encrypt_key=_under(KAOH_DEK))
    assert command.header == h("80D80081")
    assert command.data == h(
        "01"
        "881110D533E59B45A153ED7E5E9C5DFCFD4AAA03504A77"
        "8811103EF0B1A5E3059DAB21FCE23A7B61C4CA03F2A8DF"
        "881110ADDE68F7AD497268D31A0DDD5C74B08F03D7D0E4"
    )
    assert command.le == 256


def test_put_key_replacing_a_version_names_it_in_p1():
    keys = KeySet(ENC, MAC, DEK, version=0x31)
    assert put_key(keys, encrypt_key=_under(KAOH_DEK), replace_version=0x30).p1 == 0x30


def test_put_key_of_a_24_byte_aes_key_sends_the_clear_length_and_32_cipher_bytes():
    keys = KeySet.single(bytes(24), version=0x31)
    block = put_key(keys, encrypt_key=lambda k: k + bytes(-len(k) % 16)).data[1:38]
    assert block[:3] == h("882118")
    assert block[35:38][:1] == h("03")


def test_put_key_of_a_des_key_set_uses_the_globalplatformpro_scp02_encryption():
    # GPPro TestPlaintextKeys: 4041..4F under the SCP02 S-DEK of seq 0000.
    s_dek = h("E11987EE331B417A5D67D760692F89D4")
    keys = KeySet.single(ENC, version=0x20, kind="des")
    command = put_key(keys, encrypt_key=lambda k: des3_ecb_encrypt(s_dek, k))
    assert command.data[:20] == h("208010EFBEE6C6D99D7B70BDE9D7E927F020AF03")
    # 8BAF47 is the well-known check value of the GlobalPlatform default test key.
    assert command.data[20:23] == h("8BAF47")


def test_put_key_refuses_a_version_outside_01_to_7f():
    with pytest.raises(ValueError, match="key version"):
        put_key(KeySet(ENC, MAC, DEK, version=0x80), encrypt_key=bytes)


def test_the_card_answer_must_echo_the_version_and_every_kcv():
    keys = KeySet(ENC, MAC, DEK, version=0x01)
    check_put_key_response(h("01504A77F2A8DFD7D0E4"), keys)
    with pytest.raises(GPError, match="key check values"):
        check_put_key_response(h("01504A77F2A8DFD7D0E5"), keys)
    with pytest.raises(GPError):
        check_put_key_response(h("02504A77F2A8DFD7D0E4"), keys)
