"""What an audit entry may hold: JSON values only, and never a secret or a card number.

A field whose name speaks of a key, secret, token, password, seed, PAN or card keeps only the
fact that it changed. Every other text still passes through the log redactor, so a card
number typed into a note is masked too.
"""

import json
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from enstream.redaction import redact

REDACTED = "[redacted]"

SECRET_WORDS = frozenset(
    {
        "key",
        "secret",
        "token",
        "password",
        "passphrase",
        "seed",
        "pan",
        "card",
        "pin",
        "cvv",
        "cvc",
        "kek",
        "dek",
    }
)

_WORD_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def is_secret_name(name: str, extra: frozenset[str] = frozenset()) -> bool:
    if name in extra:
        return True
    for word in _WORD_SPLIT.split(name):
        word = word.lower()
        if word in SECRET_WORDS or (word.endswith("s") and word[:-1] in SECRET_WORDS):
            return True
    return False


def _clean(value: Any, extra: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret_name(str(k), extra) else _clean(v, extra)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(v, extra) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, float):
        # JSON columns do not give floats back digit for digit; the hash must survive a
        # round trip through the database.
        return repr(value)
    if value is None or isinstance(value, bool | int):
        return value
    try:
        encoded = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except TypeError:
        encoded = str(value)
    return _clean(encoded, extra)


def clean_changes(
    changes: dict[str, Any] | None, secret_fields: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A JSON-safe copy of `changes` with secrets replaced by a marker."""
    if not changes:
        return {}
    return _clean(changes, secret_fields)
