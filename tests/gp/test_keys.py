"""Key sets: validation, check values, no key in repr, card-key diversification."""

import logging
import pickle

import pytest

from provisioning.gp import KeySet, diversify

GP_KEY = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
KDD = bytes(range(10))


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize(
    ("kind", "length", "ok"),
    [
        ("aes", 16, True),
        ("aes", 24, True),
        ("aes", 32, True),
        ("aes", 8, False),
        ("des", 16, True),
        ("des", 24, True),
        ("des", 32, False),
        ("des", 8, False),
    ],
)
def test_key_lengths_are_checked_per_algorithm(kind, length, ok):
    if ok:
        assert KeySet.single(bytes(length), kind=kind).key_length == length
    else:
        with pytest.raises(ValueError, match="key sets need"):
            KeySet.single(bytes(length), kind=kind)


def test_the_three_keys_must_have_the_same_length_and_a_known_kind():
    with pytest.raises(ValueError, match="same length"):
        KeySet(bytes(16), bytes(16), bytes(32))
    with pytest.raises(ValueError, match="kind"):
        KeySet.single(bytes(16), kind="rsa")
    with pytest.raises(ValueError, match="version"):
        KeySet.single(bytes(16), version=256)


def test_repr_and_str_show_the_version_and_kcvs_but_never_a_key(caplog):
    keys = KeySet(GP_KEY, bytes(range(0x50, 0x60)), bytes(range(0x60, 0x70)), version=0x31)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").debug("using %s and %r", keys, keys)
    for text in (repr(keys), str(keys), f"{keys}", caplog.text):
        assert "0x31" in text
        assert "ENC=504A77" in text
        assert "MAC=F2A8DF" in text  # kaoh storeDataTest KCVs of the 5051.. and 6061.. keys
        assert "DEK=D7D0E4" in text
        for key in (keys.enc, keys.mac, keys.dek):
            assert key.hex() not in text.lower()
            assert key.hex().upper() not in text


def test_key_sets_refuse_to_be_pickled_onto_a_queue():
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(KeySet.single(GP_KEY))


def test_kcvs_use_the_method_of_the_key_kind():
    assert KeySet.single(GP_KEY).kcvs == dict.fromkeys(("enc", "mac", "dek"), h("504A77"))
    assert KeySet.single(GP_KEY, kind="des").kcvs["enc"] == h("8BAF47")


@pytest.mark.parametrize(
    ("method", "kcvs", "values"),
    [
        (
            "emv",
            ("C33013", "6F4CA6", "BB8179"),
            (
                "0EF59FCBF8019B62E62AF6EA20B8BF25",
                "3E383EB6F2762B88155F76BDFED05A02",
                "64021E43C0C7D264A1C7C6D01E1C8761",
            ),
        ),
        (
            "visa2",
            ("2BE598", "58DA38", "3C328E"),
            (
                "8510FC973208218CA86888BCEC203635",
                "1068B5FB6F06C78C7A4DFC343B21C78F",
                "2DAEE809C71405FF259C3BE695A1F66E",
            ),
        ),
    ],
)
def test_3des_diversification_matches_globalplatformpro(method, kcvs, values):
    """GlobalPlatformPro TestPlaintextKeys.testDiversification_{EMV,VISA2}_SCP02."""
    card = diversify(KeySet.single(GP_KEY, version=0x20, kind="des"), KDD, method)
    assert tuple(card.kcvs.values()) == tuple(map(h, kcvs))
    assert (card.enc, card.mac, card.dek) == tuple(map(h, values))
    assert card.version == 0x20


@pytest.mark.parametrize(
    ("master", "kcvs"),
    [
        ("404142434445464748494A4B4C4D4E4F", ("E79C05", "D1BD77", "3FDE8C")),
        ("404142434445464748494A4B4C4D4E4F5051525354555657", ("1DE8EA", "47C00C", "C04D76")),
        (
            "404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F",
            ("2972D2", "036F94", "5D57B8"),
        ),
    ],
)
def test_kdf3_diversification_matches_globalplatformpro(master, kcvs):
    """GlobalPlatformPro TestPlaintextKeys.testDiversification_KDF3_SCP03_AES{128,192,256}."""
    card = diversify(KeySet.single(h(master)), KDD, "kdf3")
    assert tuple(card.kcvs.values()) == tuple(map(h, kcvs))


def test_kdf3_diversification_matches_the_external_vector():
    """GlobalPlatformPro TestPlaintextKeys.testDiversification_KDF3_ExternalVector."""
    master = h("8C72C72CF908411653018807950D82FBAD947562F0828A0B10B8B9606ABF3BCD")
    card = diversify(KeySet.single(master), h("D9B1DE5D0362DEDCE4FB"), "kdf3")
    assert card.enc == h("9AAC5D0B3601F89438A0D9D0B6B256CFB47E6462DFA5228D3420C4AC7C224781")


def test_diversification_refuses_the_wrong_key_kind_or_kdd_length():
    with pytest.raises(ValueError, match="AES master"):
        diversify(KeySet.single(GP_KEY, kind="des"), KDD, "kdf3")
    with pytest.raises(ValueError, match="3DES master"):
        diversify(KeySet.single(GP_KEY), KDD, "emv")
    with pytest.raises(ValueError, match="10 bytes"):
        diversify(KeySet.single(GP_KEY), KDD[:8], "kdf3")
    with pytest.raises(ValueError, match="unknown"):
        diversify(KeySet.single(GP_KEY, kind="des"), KDD, "visa1")
