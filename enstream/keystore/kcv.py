"""Key check values as GlobalPlatform defines them, from the GP engine's own primitives.

A KCV names a key without revealing it: AES encrypts 16 x 01, DES/3DES encrypts 8 x 00, and
both keep the leftmost three bytes. These are not the PCI PIN (CMAC) method: store the method
next to every KCV.
"""

from enstream.keystore.errors import KeystoreError
from provisioning.gp import crypto

__all__ = ["kcv_aes", "kcv_des"]


def kcv_aes(key: bytes) -> bytes:
    if len(key) not in (16, 24, 32):
        raise KeystoreError(f"an AES key is 16, 24 or 32 bytes, not {len(key)}")
    return crypto.kcv_aes(bytes(key))


def kcv_des(key: bytes) -> bytes:
    if len(key) not in (8, 16, 24):
        raise KeystoreError(f"a DES key is 8, 16 or 24 bytes, not {len(key)}")
    return crypto.kcv_des(bytes(key))
