"""The hash chain: how an entry is hashed, and how the whole chain is checked."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from enstream.audit.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64

# Every field that says what happened. Adding a field here changes every hash: add it at the
# end of the model and bump CHAIN_VERSION, so old rows keep verifying under the old recipe.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "api_key_id",
    "actor_organisation_id",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "ip",
    "via",
    "outcome",
    "detail",
)
CHAIN_VERSION = 1


def _canonical_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(entry: AuditEntry) -> str:
    row: dict[str, Any] = {"v": CHAIN_VERSION}
    for name in HASHED_FIELDS:
        value = getattr(entry, name)
        if isinstance(value, datetime):
            value = _canonical_time(value)
        row[name] = value
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = prev_hash + "\n" + canonical_json(entry)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    broken_seq: int | None = None
    broken_pk: int | None = None
    reason: str = ""


def _walk(entries: Iterator[AuditEntry]) -> ChainReport:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                count,
                entry.seq,
                entry.pk,
                f"entries #{expected_seq} to #{entry.seq - 1} are missing before it",
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False, count, entry.seq, entry.pk, "it does not follow the entry before it"
            )
        if entry_hash(entry, prev_hash) != entry.hash:
            return ChainReport(
                False, count, entry.seq, entry.pk, "its content does not match its hash"
            )
        prev_hash = entry.hash
        expected_seq += 1
        count += 1
    head = AuditChainHead.objects.filter(pk=AuditChainHead.HEAD_PK).first()
    if head is not None and (head.last_seq, head.last_hash) != (count, prev_hash):
        return ChainReport(
            False,
            count,
            count + 1,
            None,
            f"the chain ends at #{count} but the head records #{head.last_seq}: "
            "the newest entries were removed or altered",
        )
    return ChainReport(True, count)


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk every entry in chain order and report the first one that does not verify."""
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size)
    return _walk(entries)
