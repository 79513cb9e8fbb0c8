"""Key check values as GlobalPlatform defines them (GPC 2.3 Amd D for AES, GPC 2.3 for DES).

A KCV identifies a key without revealing it: AES encrypts 16 x 01, DES/3DES encrypts 8 x 00,
and both keep the leftmost three bytes.
"""

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from enstream.keystore.errors import KeystoreError

__all__ = ["kcv_aes", "kcv_des"]


def _ecb_encrypt(algorithm: algorithms.AES | TripleDES, block: bytes) -> bytes:
    encryptor = Cipher(algorithm, modes.ECB()).encryptor()  # noqa: S305 - one block, a KCV
    return encryptor.update(block) + encryptor.finalize()


def kcv_aes(key: bytes) -> bytes:
    if len(key) not in (16, 24, 32):
        raise KeystoreError(f"an AES key is 16, 24 or 32 bytes, not {len(key)}")
    return _ecb_encrypt(algorithms.AES(key), b"\x01" * 16)[:3]


def kcv_des(key: bytes) -> bytes:
    # Single, 2-key and 3-key DES all run as 3-key 3DES (K1K2K3 with K3 = K1 for 2-key):
    # cryptography is retiring its 2-key form.
    if len(key) == 8:
        key = key * 3
    elif len(key) == 16:
        key = key + key[:8]
    elif len(key) != 24:
        raise KeystoreError(f"a DES key is 8, 16 or 24 bytes, not {len(key)}")
    return _ecb_encrypt(TripleDES(key), bytes(8))[:3]
