"""Key check values against GlobalPlatformPro's published vectors (TestPlaintextKeys.java)."""

import pytest

from enstream.keystore import KeystoreError, kcv_aes, kcv_des

GP_TEST_KEY = "404142434445464748494A4B4C4D4E4F"


@pytest.mark.parametrize(
    ("key", "kcv"),
    [
        (GP_TEST_KEY, "504A77"),  # SCP03 static DEK
    ],
)
def test_aes_kcv_matches_globalplatformpro(key: str, kcv: str) -> None:
    assert kcv_aes(bytes.fromhex(key)) == bytes.fromhex(kcv)


@pytest.mark.parametrize(
    ("key", "kcv"),
    [
        (GP_TEST_KEY, "8BAF47"),
        ("010B0371D78377B801F2D62AFC671D95", "F2DCDD"),  # SCP02 S-ENC, seq 0000
        ("D1C28C601652A4770D67AD82D2D2E1C4", "5FCC69"),  # SCP02 C-MAC
        ("E11987EE331B417A5D67D760692F89D4", "85272E"),  # SCP02 S-DEK
        ("FFAEC7EC7FAD69F9FBFF093BF2F79C45", "9F749A"),  # SCP02 R-MAC
        ("0EF59FCBF8019B62E62AF6EA20B8BF25", "C33013"),  # EMV CPS diversified ENC
        ("3E383EB6F2762B88155F76BDFED05A02", "6F4CA6"),  # EMV CPS diversified MAC
        ("64021E43C0C7D264A1C7C6D01E1C8761", "BB8179"),  # EMV CPS diversified DEK
        ("8510FC973208218CA86888BCEC203635", "2BE598"),  # VISA2 diversified ENC
        ("1068B5FB6F06C78C7A4DFC343B21C78F", "58DA38"),  # VISA2 diversified MAC
        ("2DAEE809C71405FF259C3BE695A1F66E", "3C328E"),  # VISA2 diversified DEK
    ],
)
def test_des_kcv_matches_globalplatformpro(key: str, kcv: str) -> None:
    assert kcv_des(bytes.fromhex(key)) == bytes.fromhex(kcv)


def test_a_two_key_3des_kcv_equals_its_three_key_form() -> None:
    key = bytes.fromhex(GP_TEST_KEY)
    assert kcv_des(key) == kcv_des(key + key[:8])


def test_the_kcv_is_three_bytes_for_every_aes_key_size() -> None:
    for size in (16, 24, 32):
        assert len(kcv_aes(bytes(range(size)))) == 3


@pytest.mark.parametrize("size", [0, 15, 33])
def test_an_aes_key_of_the_wrong_size_is_refused(size: int) -> None:
    with pytest.raises(KeystoreError, match=f"not {size}"):
        kcv_aes(bytes(size))


@pytest.mark.parametrize("size", [7, 12, 32])
def test_a_des_key_of_the_wrong_size_is_refused(size: int) -> None:
    with pytest.raises(KeystoreError, match=f"not {size}"):
        kcv_des(bytes(size))
