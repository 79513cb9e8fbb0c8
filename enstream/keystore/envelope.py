"""The envelope: AES-256-GCM under a fresh data key, with associated data naming the owner.

Associated data (format 1) is a tag and three length-prefixed fields:

    b"enstream-keystore/1" || len16(secret id) || secret id (16 bytes)
                           || len16(purpose) || purpose || len16(owner) || owner

The KEK version is deliberately not in it: rotating the KEK rewraps the data key and leaves
the ciphertext alone. The wrap itself (RFC 5649) authenticates the data key under its KEK
version, and a data key moved to another row fails the GCM tag because the row's id is bound.
"""

import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from enstream.keystore.errors import KeystoreError

FORMAT = 1
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
_TAG = b"enstream-keystore/1"


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def associated_data(*, secret_id: uuid.UUID, purpose: str, owner: str) -> bytes:
    parts = [_TAG]
    for field in (secret_id.bytes, purpose.encode(), owner.encode()):
        parts.append(len(field).to_bytes(2, "big"))
        parts.append(field)
    return b"".join(parts)


@dataclass(frozen=True, repr=False)
class Sealed:
    nonce: bytes
    ciphertext: bytes


def encrypt(data_key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    nonce = os.urandom(NONCE_BYTES)
    return Sealed(nonce=nonce, ciphertext=AESGCM(data_key).encrypt(nonce, plaintext, aad))


def decrypt(data_key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if len(nonce) != NONCE_BYTES:
        raise KeystoreError("the nonce has the wrong length")
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise KeystoreError("authentication failed: ciphertext, nonce or binding altered") from None
