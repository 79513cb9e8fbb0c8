"""Webhook signatures: `EnStream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC is over f"{t}.{body}" under the endpoint's secret (the whole `whsec_...` string as
UTF-8). During a secret rotation a delivery carries one `v1=` per live secret. A receiver
checks that some `v1` matches and that `t` is within five minutes of its clock; the recipe
in docs/api.md does exactly what `verify` does here.
"""

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

HEADER = "EnStream-Signature"
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105  # the visible prefix of every secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secrets_: Iterable[str], timestamp: int) -> str:
    parts = [f"t={timestamp}"] + [f"v1={_mac(secret, timestamp, body)}" for secret in secrets_]
    return ",".join(parts)


def verify(
    body: bytes,
    header: str,
    secret: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether `header` signs `body` under `secret` within `tolerance` seconds of now."""
    fields = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for name, value in fields if name.strip() == "t"]
    signatures = [value.strip() for name, value in fields if name.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
