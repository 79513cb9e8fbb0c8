"""Key loading: PUT KEY for a whole key set, and the STORE DATA DGIs that give an SSD its keys.

Key values never travel in clear: ``encrypt_key`` is the secure channel's (SCP03: AES-CBC under
the static Key-DEK; SCP02: 3DES-ECB under the session DEK). Keys are named by version and KCV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hmac import compare_digest

from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.commands import encode_dgi
from provisioning.gp.crypto import kcv_aes, kcv_des
from provisioning.gp.errors import GPError
from provisioning.gp.keys import KeySet
from provisioning.gp.tlv import encode_tlv

__all__ = [
    "KEY_ACCESS_SD_AND_APPS",
    "KEY_ACCESS_SD_ONLY",
    "KEY_TYPE_AES",
    "KEY_TYPE_DES",
    "check_put_key_response",
    "key_loading_dgis",
    "put_key",
]

KEY_TYPE_AES = 0x88
KEY_TYPE_DES = 0x80
KEY_ACCESS_SD_AND_APPS = 0x00
KEY_ACCESS_SD_ONLY = 0x01
_KCV_LENGTH = 3
_DGI_KEY_CONTROL = 0x00B9
_DGI_KEY_VALUE = 0x8113

Encrypt = Callable[[bytes], bytes]


def _key_block(key: bytes, key_type: int, encrypt_key: Encrypt) -> bytes:
    cipher = encrypt_key(key)
    if key_type == KEY_TYPE_AES:
        # AES blocks carry the clear key length, because a 24-byte key is sent padded to 32.
        body = bytes([key_type, len(cipher) + 1, len(key)]) + cipher
        check = kcv_aes(key)
    else:
        body = bytes([key_type, len(cipher)]) + cipher
        check = kcv_des(key)
    return body + bytes([_KCV_LENGTH]) + check


def put_key(
    keys: KeySet, *, encrypt_key: Encrypt, replace_version: int | None = None
) -> CommandAPDU:
    """PUT KEY of ENC, MAC and DEK (key identifiers 1-3) as key version ``keys.version``.

    ``replace_version`` names the key set the new one replaces (key handover, rotation);
    None adds a new key set.
    """
    if not 0x01 <= keys.version <= 0x7F:
        raise ValueError(f"key version must be 01..7F, got {keys.version:02X}")
    key_type = KEY_TYPE_AES if keys.kind == "aes" else KEY_TYPE_DES
    data = bytes([keys.version]) + b"".join(
        _key_block(key, key_type, encrypt_key) for key in (keys.enc, keys.mac, keys.dek)
    )
    # P2 = 81: several keys follow, starting with key identifier 1.
    return CommandAPDU(0x80, 0xD8, replace_version or 0x00, 0x81, data, le=256)


def check_put_key_response(data: bytes, keys: KeySet) -> None:
    """The card echoes the key version and one KCV per key; anything else raises GPError."""
    kcvs = keys.kcvs
    expected = bytes([keys.version]) + kcvs["enc"] + kcvs["mac"] + kcvs["dek"]
    if not compare_digest(bytes(data), expected):
        raise GPError(
            f"PUT KEY: the card's key check values do not match key set {keys.version:02X}"
        )


def key_loading_dgis(
    keys: Sequence[tuple[int, bytes]],
    *,
    version: int,
    key_type: int,
    encrypt_key: Encrypt,
    access: int = KEY_ACCESS_SD_ONLY,
    purpose: int = 0x0003,
) -> bytes:
    """DGI 00B9 (key attributes, identifiers, KCVs) and one DGI 8113 per encrypted key.

    This is how the SEM gives a new SSD its first key set through the ISD
    (INSTALL [for personalization] of the SSD, then STORE DATA). ``keys`` are (identifier, value)
    pairs of one length; ``purpose`` 0003 marks SCP03 keys, 0002 SCP02 keys.
    """
    lengths = {len(value) for _, value in keys}
    if len(lengths) != 1:
        raise ValueError("key loading needs at least one key, all of the same length")
    check = kcv_aes if key_type == KEY_TYPE_AES else kcv_des
    attributes = encode_tlv(
        0xB7,
        encode_tlv(0x80, bytes([key_type]))
        + encode_tlv(0x81, bytes([lengths.pop()]))
        + encode_tlv(0x83, bytes([version]))
        + encode_tlv(0x96, bytes([access]))
        + encode_tlv(0x97, purpose.to_bytes(2, "big")),
    )
    references = b"".join(
        encode_tlv(0xB9, encode_tlv(0x82, bytes([key_id])) + encode_tlv(0x84, check(value)))
        for key_id, value in keys
    )
    out = encode_dgi(_DGI_KEY_CONTROL, attributes + references)
    return out + b"".join(encode_dgi(_DGI_KEY_VALUE, encrypt_key(value)) for _, value in keys)
