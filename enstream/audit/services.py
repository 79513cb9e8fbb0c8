"""Writing to the audit log.

`audit_record` is the one way in. It joins the caller's transaction, so an entry exists if and
only if the change it describes was committed. Appends are serialised by locking the chain
head row until that transaction ends: call it after your own writes, so the lock is held for
as short a time as possible.

A request handler that runs in one transaction (every API POST: enstream/api/idempotency.py)
wraps it in `audit_deferred()`: the entries recorded inside are appended when the block ends,
as the transaction's last statements, so the head's lock is held for those statements and the
commit only, not for the whole request. The chain is the same: seq, time and hashes are still
given under the lock, in commit order.
"""

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from enstream.audit.chain import GENESIS_HASH, entry_hash
from enstream.audit.context import Actor, current_actor
from enstream.audit.models import AuditChainHead, AuditEntry, Outcome, Via
from enstream.audit.redaction import clean_changes
from enstream.redaction import redact


class AuditError(ValueError):
    """An audit entry that cannot be written as asked (an unknown outcome or channel)."""


def _as_actor(actor: Any) -> Actor:
    if actor is None:
        return current_actor()
    if isinstance(actor, Actor):
        return actor
    context = current_actor()
    # A user passed explicitly (a login, where the request started anonymous) acts from
    # wherever the current request or task does.
    return Actor(user=actor, ip=context.ip, via=context.via)


def _actor_fields(actor: Actor) -> dict[str, Any]:
    user, api_key = actor.user, actor.api_key
    fields: dict[str, Any] = {"actor_id": None, "actor_label": "", "api_key_id": ""}
    org_id = None
    if user is not None and getattr(user, "pk", None) is not None:
        fields["actor_id"] = user.pk
        fields["actor_label"] = str(getattr(user, "email", "") or user.pk)
        org_id = getattr(user, "organisation_id", None)
    if api_key is not None:
        fields["api_key_id"] = str(api_key.pk)
        prefix = getattr(api_key, "prefix", "") or api_key.pk
        fields["actor_label"] = fields["actor_label"] or f"API key {prefix}"
        org_id = org_id or getattr(api_key, "organisation_id", None)
    if not fields["actor_label"]:
        fields["actor_label"] = "system" if actor.via in (Via.SYSTEM, Via.TASK) else "anonymous"
    fields["actor_organisation_id"] = org_id
    return fields


def _clean_ip(ip: str | None) -> str | None:
    # One spelling per address, the one every database gives back, so the hash survives
    # the round trip; an IPv4 client seen through an IPv6 socket is an IPv4 client.
    try:
        address = ipaddress.ip_address(ip) if ip else None
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return None if address is None else str(address)


def _org_id(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, models.Model):
        return value.pk
    return int(value)


def _organisation_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if hasattr(obj, "audit_organisation"):
        value = obj.audit_organisation
        return _org_id(value() if callable(value) else value)
    if getattr(getattr(obj, "_meta", None), "label", None) == "accounts.Organisation":
        return obj.pk
    if getattr(obj, "organisation_id", None) is not None:
        return obj.organisation_id
    return _org_id(getattr(obj, "organisation", None))


def _object_fields(obj: Any) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": "", "object_label": ""}
    meta = getattr(obj, "_meta", None)
    return {
        "object_type": meta.label_lower if meta else type(obj).__name__.lower(),
        "object_id": "" if getattr(obj, "pk", None) is None else str(obj.pk),
        "object_label": redact(str(obj))[:200],
    }


# Entries recorded inside `audit_deferred`, each with the on-commit marker that tells whether
# the savepoint it was recorded in has since been rolled back (the entry must then go too).
_deferred: ContextVar[list[tuple[AuditEntry, Callable[[], None]]] | None] = ContextVar(
    "audit_deferred", default=None
)


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=AuditChainHead.HEAD_PK).first()
    if head is not None:
        return head
    # First entry ever (or the head row was lost): start from the newest entry there is.
    last = AuditEntry.objects.order_by("-seq").first()
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(
                pk=AuditChainHead.HEAD_PK,
                last_seq=last.seq if last else 0,
                last_hash=last.hash if last else GENESIS_HASH,
            )
        ],
        ignore_conflicts=True,
    )
    return AuditChainHead.objects.select_for_update().get(pk=AuditChainHead.HEAD_PK)


def audit_record(
    *,
    action: str,
    obj: Any = None,
    organisation: Any = None,
    changes: dict | None = None,
    actor: Any = None,
    outcome: str = "success",
    detail: str = "",
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    `actor` defaults to whoever the current request or task acts for; `organisation` (the
    tenant allowed to read the entry) defaults to the object's. `changes` is stored with
    secrets redacted.
    """
    if outcome not in Outcome.values:
        raise AuditError(f"unknown outcome {outcome!r}")
    who = _as_actor(actor)
    if who.via not in Via.values:
        raise AuditError(f"unknown channel {who.via!r}")
    entry = AuditEntry(
        action=action[:40],
        organisation_id=_org_id(organisation) or _organisation_of(obj),
        changes=clean_changes(changes),
        ip=_clean_ip(who.ip),
        via=who.via,
        outcome=outcome,
        detail=redact(detail)[:500],
        **_actor_fields(who),
        **_object_fields(obj),
    )
    pending = _deferred.get()
    if pending is not None and connection.in_atomic_block:

        def marker() -> None:
            """Kept by Django only while the savepoints around this call are not rolled back."""

        transaction.on_commit(marker)
        pending.append((entry, marker))
        return entry
    with transaction.atomic():
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    """Chain `entries` after the head, in order; inside a transaction, which keeps the head's
    lock until it ends."""
    head = _locked_head()
    last_seq, last_hash = head.last_seq, head.last_hash
    for entry in entries:
        entry.seq = last_seq + 1
        entry.created_at = timezone.now()
        entry.prev_hash = last_hash
        entry.hash = entry_hash(entry, last_hash)
        entry.save()
        last_seq, last_hash = entry.seq, entry.hash
    AuditChainHead.objects.filter(pk=head.pk).update(last_seq=last_seq, last_hash=last_hash)


@contextmanager
def audit_deferred() -> Iterator[None]:
    """Append the entries recorded in this block when it ends without an error, as the last
    statements of the enclosing transaction (which must be open, and end right after).

    An entry recorded in a savepoint that was rolled back is dropped, as it would have been
    rolled back with it; an error out of the block drops them all, as the transaction will
    roll back. Nested blocks join the outer one.
    """
    if _deferred.get() is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise AuditError("audit_deferred() needs an open transaction to append in")
    pending: list[tuple[AuditEntry, Callable[[], None]]] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    # Reached only without an error. Django forgets the on-commit callbacks of a rolled back
    # savepoint; an entry whose marker is gone was recorded in one.
    alive = {id(item[1]) for item in connection.run_on_commit}
    entries = [entry for entry, marker in pending if id(marker) in alive]
    if entries:
        _append(entries)
