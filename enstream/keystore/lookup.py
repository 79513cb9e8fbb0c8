"""Keyed hashes for look-ups by a value that must not be stored (a card number).

The key is not the KEK (PCI DSS 3.5.1.1): it comes from ENSTREAM_LOOKUP_HASH_KEY, or in the
embedded default from its own 0600 file next to the KEK file. The purpose is mixed in, so the
hash of one value under two purposes cannot be correlated.
"""

import hashlib
import hmac
import secrets
import threading
from pathlib import Path

from django.conf import settings

from enstream.keystore.errors import KeystoreError
from enstream.keystore.localfiles import check_private, create_private

__all__ = ["lookup_hash", "lookup_hash_key_file"]

_MIN_KEY_BYTES = 32
_lock = threading.Lock()
_cached: tuple[str, bytes] | None = None


def lookup_hash_key_file() -> Path:
    return Path(settings.ENSTREAM_KEK_FILE).with_name("lookup_hash.key")


def _parse_key(raw: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(raw.strip())
    except ValueError:
        raise KeystoreError(f"{source} must be hex") from None
    if len(key) < _MIN_KEY_BYTES:
        raise KeystoreError(f"{source} must hold at least {_MIN_KEY_BYTES} bytes")
    return key


def _load_key() -> bytes:
    global _cached
    configured = settings.ENSTREAM_LOOKUP_HASH_KEY
    source = "ENSTREAM_LOOKUP_HASH_KEY" if configured else str(lookup_hash_key_file())
    with _lock:
        if _cached is not None and _cached[0] == source:
            return _cached[1]
        if configured:
            key = _parse_key(configured, source)
        else:
            path = lookup_hash_key_file()
            create_private(path, secrets.token_hex(32).encode() + b"\n")
            check_private(path)
            key = _parse_key(path.read_text(), source)
        _cached = (source, key)
        return key


def lookup_hash(value: str, *, purpose: str) -> str:
    if not purpose:
        raise KeystoreError("a lookup hash needs a purpose")
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(_load_key(), message, hashlib.sha256).hexdigest()


def forget_lookup_key() -> None:
    """Drop the cached key; settings changed (tests) or the key file was replaced."""
    global _cached
    with _lock:
        _cached = None
