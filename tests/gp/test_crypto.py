"""Block-cipher primitives: padding, MACs, key check values, reused-context CBC."""

import warnings

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.utils import CryptographyDeprecationWarning
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.gp import GPParseError, kcv, kcv_aes, kcv_des
from provisioning.gp.crypto import (
    AesKey,
    Des3Key,
    RetailMac,
    aes_cmac,
    des3_ecb_encrypt,
    pad80,
    retail_mac,
    unpad80,
)

GP_KEY = bytes.fromhex("404142434445464748494A4B4C4D4E4F")


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def test_key_check_values_match_the_well_known_gp_test_key_values():
    """security-and-reliability.md §2.4 and GlobalPlatformPro: 8BAF47 / 504A77 / CMAC 6F2F9B."""
    assert kcv_des(GP_KEY) == h("8BAF47")
    assert kcv_aes(GP_KEY) == h("504A77")
    assert kcv(GP_KEY, "des") == h("8BAF47")
    assert kcv(GP_KEY, "aes") == h("504A77")
    assert aes_cmac(GP_KEY, bytes(16)) == h("6F2F9BE174358B1D1C999300DBEFD948")
    with pytest.raises(ValueError, match="kind"):
        kcv(GP_KEY, "rsa")


def test_scp01_key_encryption_vector_from_globalplatformpro():
    """TestPlaintextKeys.testKeyEncryption_SCP01: 3DES-ECB under the static DEK."""
    assert des3_ecb_encrypt(GP_KEY, GP_KEY) == h("B4BAA89A8CD0292B45210E1BC84B1C31")


@pytest.mark.parametrize(
    ("data", "block", "padded"),
    [
        ("", 8, "8000000000000000"),
        ("01", 8, "0180000000000000"),
        ("01020304050607", 8, "0102030405060780"),
        ("0102030405060708", 8, "01020304050607088000000000000000"),
        ("AA" * 16, 16, "AA" * 16 + "80" + "00" * 15),
    ],
)
def test_pad80_always_appends_80_then_zeros_to_the_block(data, block, padded):
    assert pad80(h(data), block) == h(padded)
    assert unpad80(h(padded), block) == h(data)


@pytest.mark.parametrize(
    ("padded", "words"),
    [
        ("", "non-empty"),
        ("01020304", "multiple of 8"),
        ("0000000000000000", "expected 80"),
        ("0102030405060708", "expected 80"),
        ("0180000000000001", "expected 80"),
        ("80000000000000000000000000000000", "expected 80"),  # padding longer than a block
    ],
)
def test_unpad80_rejects_anything_that_is_not_iso_padding(padded, words):
    with pytest.raises(GPParseError, match=words):
        unpad80(h(padded), 8)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64), st.sampled_from([8, 16]))
def test_padding_round_trips(data, block):
    assert unpad80(pad80(data, block), block) == data


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    st.lists(st.tuples(st.binary(min_size=16, max_size=16), st.integers(1, 6)), max_size=6),
)
def test_reused_aes_contexts_give_plain_cbc_for_any_iv_sequence(key, messages):
    aes = AesKey(key)
    for iv, blocks in messages:
        data = (iv * blocks)[::-1]
        reference = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor().update(data)
        assert aes.cbc_encrypt(data, iv) == reference
        assert aes.cbc_decrypt(reference, iv) == data
        mac = CMAC(algorithms.AES(key))
        mac.update(data)
        assert aes.cmac(data) == mac.finalize()


@settings(max_examples=50, deadline=None)
@given(
    st.binary(min_size=16, max_size=16),
    st.lists(st.tuples(st.binary(min_size=8, max_size=8), st.integers(1, 4)), max_size=5),
)
def test_reused_3des_contexts_give_plain_cbc_for_any_iv_sequence(key, messages):
    des = Des3Key(key)
    long_key = key + key[:8]
    for iv, blocks in messages:
        data = iv * blocks
        reference = Cipher(TripleDES(long_key), modes.CBC(iv)).encryptor().update(data)
        assert des.cbc_encrypt(data, iv) == reference
        assert des.cbc_decrypt(reference, iv) == data


def test_retail_mac_equals_single_des_chaining_then_triple_des_on_the_last_block():
    key = h("0123456789ABCDEFFEDCBA9876543210")
    data = bytes(range(21))
    padded = pad80(data, 8)
    left = Des3Key(key[:8])
    chained = left.cbc_encrypt(padded[:-8])[-8:]
    last = bytes(a ^ b for a, b in zip(chained, padded[-8:], strict=True))
    assert retail_mac(key, data) == Des3Key(key).ecb_encrypt(last)
    assert RetailMac(key).mac(b"") == Des3Key(key).ecb_encrypt(pad80(b"", 8))


def test_no_deprecated_2key_3des_path_is_used():
    """cryptography deprecates 8/16-byte TripleDES keys; the engine expands them to 24 bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CryptographyDeprecationWarning)
        kcv_des(GP_KEY)
        retail_mac(GP_KEY, b"x")
        Des3Key(GP_KEY).mac(b"x")


def test_key_objects_never_show_their_key():
    for obj in (AesKey(GP_KEY), Des3Key(GP_KEY), RetailMac(GP_KEY)):
        assert GP_KEY.hex() not in repr(obj).lower()
        assert "4041" not in repr(obj)
