"""The shape of an API key and its keyed hash.

    es_live_<public id: 12 base62>_<secret: 32 base62>     issuer key, live networks
    es_test_<public id>_<secret>                           issuer key, sandbox
    es_staff_<public id>_<secret>                          EnStream staff key

The public id finds the row; the hash of the whole key under the pepper proves the secret.
The pepper is not in the database, so a stolen copy of it cannot be turned into keys by
hashing guesses, and a leaked key can be found by its prefix in logs without being usable.
"""

import hashlib
import hmac
import re
import secrets
import string
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from enstream.apikeys.models import Mode
from enstream.keystore.localfiles import check_private, create_private

_ALPHABET = string.ascii_letters + string.digits
PUBLIC_ID_LENGTH = 12
SECRET_LENGTH = 32
_MIN_PEPPER_CHARS = 32

TYPE_PREFIXES = {"live": "es_live_", "sandbox": "es_test_", "staff": "es_staff_"}
_KEY_SHAPE = re.compile(
    rf"^es_(live|test|staff)_([A-Za-z0-9]{{{PUBLIC_ID_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})$"
)

_lock = threading.Lock()
_cached: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class NewKey:
    public_id: str
    prefix: str
    raw: str


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def type_prefix(*, mode: str, staff: bool) -> str:
    if staff:
        return TYPE_PREFIXES["staff"]
    return TYPE_PREFIXES[Mode(mode).value]


def new_key(*, mode: str, staff: bool) -> NewKey:
    public_id = _random(PUBLIC_ID_LENGTH)
    prefix = f"{type_prefix(mode=mode, staff=staff)}{public_id}"
    return NewKey(public_id=public_id, prefix=prefix, raw=f"{prefix}_{_random(SECRET_LENGTH)}")


def public_id_of(raw: str) -> str | None:
    """The public id of a well-formed key, or None for anything else."""
    match = _KEY_SHAPE.match(raw)
    return match.group(2) if match else None


def pepper_file() -> Path:
    return Path(settings.DATA_DIR) / "api_key_pepper"


def _load_pepper() -> bytes:
    global _cached
    configured = settings.ENSTREAM_API_KEY_PEPPER
    source = "ENSTREAM_API_KEY_PEPPER" if configured else str(pepper_file())
    with _lock:
        if _cached is not None and _cached[0] == source:
            return _cached[1]
        if configured:
            pepper = configured
        else:
            path = pepper_file()
            create_private(path, secrets.token_hex(32).encode() + b"\n")
            check_private(path)
            pepper = path.read_text().strip()
        if len(pepper) < _MIN_PEPPER_CHARS:
            raise ImproperlyConfigured(f"{source} must be at least {_MIN_PEPPER_CHARS} characters")
        _cached = (source, pepper.encode())
        return _cached[1]


def key_hash(raw: str) -> str:
    return hmac.new(_load_pepper(), raw.encode(), hashlib.sha256).hexdigest()


def hash_matches(raw: str, stored: str) -> bool:
    return hmac.compare_digest(key_hash(raw), stored)
