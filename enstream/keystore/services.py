"""Seal and unseal secrets; rotate the KEK under them.

A secret is sealed under a fresh 256-bit data key with AES-256-GCM; the data key is wrapped by
the active KEK version. `enstream.keystore` re-exports the public functions.
"""

import re
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from enstream.keystore import envelope
from enstream.keystore.backends import get_backend
from enstream.keystore.errors import KeystoreError
from enstream.keystore.models import Secret

_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")


def _check_binding(purpose: str, owner: str) -> None:
    if not _PURPOSE.match(purpose):
        raise KeystoreError(f"purpose {purpose!r} must be 1-64 of a-z 0-9 _ . : -")
    if not owner or len(owner) > 200:
        raise KeystoreError("owner must be 1-200 characters")


def _aad(secret_id: uuid.UUID, purpose: str, owner: str) -> bytes:
    return envelope.associated_data(secret_id=secret_id, purpose=purpose, owner=owner)


def _fill(secret: Secret, plaintext: bytes) -> None:
    backend = get_backend()
    version = backend.active_version()
    data_key = envelope.new_data_key()
    sealed = envelope.encrypt(data_key, plaintext, _aad(secret.id, secret.purpose, secret.owner))
    secret.envelope_format = envelope.FORMAT
    secret.kek_version = version
    secret.wrapped_key = backend.wrap(data_key, version=version)
    secret.nonce = sealed.nonce
    secret.ciphertext = sealed.ciphertext
    secret.sealed_at = timezone.now()
    secret.destroyed_at = None


def seal(plaintext: bytes, *, purpose: str, owner: str) -> Secret:
    """Encrypt `plaintext` for `owner` (e.g. "accounts.totp:12") and save it as a new row."""
    if not isinstance(plaintext, bytes | bytearray):
        raise KeystoreError("only bytes can be sealed")
    _check_binding(purpose, owner)
    secret = Secret(purpose=purpose, owner=owner)
    _fill(secret, bytes(plaintext))
    secret.save(force_insert=True)
    return secret


def _check_owner(secret: Secret, purpose: str, owner: str) -> None:
    if secret.purpose != purpose or secret.owner != owner:
        raise KeystoreError(f"secret {secret.id} is not sealed for that purpose and owner")
    if secret.destroyed_at is not None:
        raise KeystoreError(f"secret {secret.id} was destroyed")


def unseal(secret: Secret, *, purpose: str, owner: str) -> bytes:
    """Return the plaintext, once the caller has named the purpose and owner it expects."""
    _check_owner(secret, purpose, owner)
    if secret.envelope_format != envelope.FORMAT:
        raise KeystoreError(f"secret {secret.id} has unknown envelope format")
    data_key = get_backend().unwrap(bytes(secret.wrapped_key), version=secret.kek_version)
    return envelope.decrypt(
        data_key, bytes(secret.nonce), bytes(secret.ciphertext), _aad(secret.id, purpose, owner)
    )


def reseal(secret: Secret, plaintext: bytes, *, purpose: str, owner: str) -> Secret:
    """Replace the content of an existing secret (same id, purpose and owner)."""
    _check_owner(secret, purpose, owner)
    _fill(secret, bytes(plaintext))
    secret.save(
        update_fields=[
            "envelope_format",
            "kek_version",
            "wrapped_key",
            "nonce",
            "ciphertext",
            "sealed_at",
            "destroyed_at",
        ]
    )
    return secret


def secret_destroy(secret: Secret) -> None:
    """Wipe the envelope; the row remains as a record that the secret existed."""
    secret.wrapped_key = b""
    secret.nonce = b""
    secret.ciphertext = b""
    secret.destroyed_at = timezone.now()
    secret.save(update_fields=["wrapped_key", "nonce", "ciphertext", "destroyed_at"])


@dataclass
class RotationReport:
    target_version: int
    created_version: int | None = None
    rewrapped: Counter[int] = field(default_factory=Counter)
    failed: Counter[int] = field(default_factory=Counter)
    already_current: int = 0


def kek_rewrap_all(*, batch_size: int = 500) -> RotationReport:
    """Rewrap every live data key under the active KEK version; ciphertexts stay untouched.

    Idempotent and resumable: rows already under the active version are skipped, each batch
    commits on its own, and a row that cannot be unwrapped is counted and left as it was.
    """
    backend = get_backend()
    target = backend.active_version()
    report = RotationReport(target_version=target)
    live = Secret.objects.filter(destroyed_at__isnull=True)
    report.already_current = live.filter(kek_version=target).count()
    last_id: uuid.UUID | None = None
    while True:
        with transaction.atomic():
            batch_query = live.exclude(kek_version=target).order_by("id")
            if last_id is not None:
                batch_query = batch_query.filter(id__gt=last_id)
            batch = list(
                batch_query.select_for_update().only("id", "kek_version", "wrapped_key")[
                    :batch_size
                ]
            )
            if not batch:
                break
            changed = []
            for secret in batch:
                old = secret.kek_version
                try:
                    secret.wrapped_key = backend.rewrap(
                        bytes(secret.wrapped_key), from_version=old, to_version=target
                    )
                except KeystoreError:
                    report.failed[old] += 1
                    continue
                secret.kek_version = target
                changed.append(secret)
                report.rewrapped[old] += 1
            Secret.objects.bulk_update(changed, ["wrapped_key", "kek_version"])
            last_id = batch[-1].id
    return report


def kek_rotate(*, batch_size: int = 500) -> RotationReport:
    """Create a new KEK version, make it active and rewrap every data key under it."""
    created = get_backend().create_version()
    report = kek_rewrap_all(batch_size=batch_size)
    report.created_version = created
    return report


def kek_usage() -> dict[int, int]:
    """How many live secrets each KEK version wraps."""
    rows = (
        Secret.objects.filter(destroyed_at__isnull=True)
        .values_list("kek_version")
        .annotate(count=Count("id"))
        .order_by("kek_version")
    )
    return dict(rows)


def kek_retire(*, version: int) -> None:
    """Destroy a KEK version that no live secret uses any more."""
    in_use = Secret.objects.filter(destroyed_at__isnull=True, kek_version=version).count()
    if in_use:
        raise KeystoreError(f"KEK v{version} still wraps {in_use} secrets; rotate first")
    get_backend().retire(version)
