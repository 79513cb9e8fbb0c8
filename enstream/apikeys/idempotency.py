"""Idempotency records: claim a key, complete it with the response, replay it, purge it.

Stripe's semantics: the first request with a key runs; a retry with the same key and the same
request gets the first response; the same key on a different request is an error; a retry
while the first is still running is told so. A claim is committed before the work starts, so
a concurrent retry sees it; the completion commits with the work itself, so a process that
dies halfway leaves a claim without a completed response, which is given to the next retry
once its lease has passed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from enstream.accounts.models import Organisation
from enstream.apikeys.models import ApiKey, IdempotencyRecord, IdempotencyState

# Longer than any request may run (gunicorn's timeout is 30 s), so a live request keeps its
# claim; short enough that a retry after a crash is not turned away for long.
CLAIM_LEASE = timedelta(minutes=5)
# The fields of the model's one_idempotency_record_per_key constraint.
_UNIQUE_FIELDS = ("organisation", "mode", "token")


class IdempotencyError(ValueError):
    """A retry that cannot run or replay. `code` is the API error code."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    replay: bool


def _lifetime() -> timedelta:
    return timedelta(days=settings.ENSTREAM_IDEMPOTENCY_DAYS)


def idempotency_claim(
    *,
    organisation: Organisation,
    mode: str,
    token: str,
    method: str,
    path: str,
    request_hash: str,
    api_key: ApiKey | None,
) -> Claim:
    """Claim `token` for this request, or say the stored response must be replayed.

    Raises IdempotencyError `idempotency_key_reused` (another request used the key) or
    `idempotency_in_progress` (the first request with the key has not finished).
    """
    for _ in range(2):
        now = timezone.now()
        record = IdempotencyRecord(
            organisation=organisation,
            mode=mode,
            token=token,
            api_key=api_key,
            method=method,
            path=path,
            request_hash=request_hash,
            locked_at=now,
            created_at=now,
            expires_at=now + _lifetime(),
        )
        if _insert_if_new(record):
            return Claim(record=record, replay=False)
        record = IdempotencyRecord.objects.filter(
            organisation=organisation, mode=mode, token=token
        ).first()
        if record is None:
            continue  # released or purged since: claim it afresh
        if record.expires_at <= now:
            # An expired record is as good as purged: this request starts afresh.
            IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
            continue
        return _existing(record, request_hash, now)
    raise IdempotencyError(
        "Another request with this Idempotency-Key is in progress.",
        code="idempotency_in_progress",
    )


def _insert_if_new(record: IdempotencyRecord) -> bool:
    """Insert `record` unless its key is taken, in one statement (outside a transaction it
    commits at once, so concurrent retries see the claim); whether it was inserted."""
    meta = IdempotencyRecord._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = [field.get_db_prep_save(field.pre_save(record, True), connection) for field in fields]
    unique = ", ".join(quote(meta.get_field(name).column) for name in _UNIQUE_FIELDS)
    # Names from the model's own metadata, values as parameters.
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        f" ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    record.pk = row[0]
    record._state.adding = False
    return True


def _existing(record: IdempotencyRecord, request_hash: str, now: datetime) -> Claim:
    if record.request_hash != request_hash:
        raise IdempotencyError(
            "This Idempotency-Key was used with a different request. Use a new key for a new "
            "request.",
            code="idempotency_key_reused",
        )
    if record.state == IdempotencyState.COMPLETE:
        return Claim(record=record, replay=True)
    if record.locked_at <= now - CLAIM_LEASE:
        taken = IdempotencyRecord.objects.filter(
            pk=record.pk, state=IdempotencyState.IN_PROGRESS, locked_at=record.locked_at
        ).update(locked_at=now)
        if taken:
            record.locked_at = now
            return Claim(record=record, replay=False)
    raise IdempotencyError(
        "The first request with this Idempotency-Key is still being processed; retry later.",
        code="idempotency_in_progress",
    )


def idempotency_complete(
    *, record: IdempotencyRecord, status: int, data: Any, headers: dict[str, str]
) -> None:
    """Store the response; call inside the transaction that did the work."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyState.COMPLETE,
        response_status=status,
        response_data=data,
        response_headers=headers,
        completed_at=timezone.now(),
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Give up a claim whose work did not happen, so a retry runs it."""
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyState.IN_PROGRESS).delete()


def idempotency_purge(*, now: datetime | None = None) -> int:
    """Delete expired records; returns how many."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
