"""Change history (django-simple-history records) as rows a person reads: who, when, what.

Records are read in one query per history table and compared pairwise here, rather than with
`diff_against` (one more query per record), so a long history costs no more than a short one.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet

_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Bookkeeping columns that change with every save or never matter to a reader.
_SKIPPED = {"id", "created_at", "created_by"}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    subject: str
    kind: str
    changes: tuple[Change, ...]
    reason: str


def _shown(value: Any, choices: dict[Any, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(choices.get(value, value))


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return "system"
    return user.full_name or user.email


def history_rows(
    records: QuerySet, *, subject: Callable[[Any], str] | None = None
) -> list[HistoryRow]:
    """Newest first. `records` is a historical model's queryset (one object's, or several
    objects' of one model); `subject` names the object a row is about."""
    records = records.select_related("history_user").order_by("history_date", "history_id")
    fields = [f for f in records.model.tracked_fields if f.name not in _SKIPPED]
    previous: dict[Any, Model] = {}
    rows: list[HistoryRow] = []
    for record in records:
        before = previous.get(record.id)
        changes: list[Change] = []
        if before is not None:
            for field in fields:
                old, new = getattr(before, field.attname), getattr(record, field.attname)
                if old != new:
                    choices = dict(field.choices or ())
                    changes.append(
                        Change(str(field.verbose_name), _shown(old, choices), _shown(new, choices))
                    )
        previous[record.id] = record
        if before is not None and not changes and not record.history_change_reason:
            continue  # a save that changed nothing tracked tells the reader nothing
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=_who(record),
                subject=subject(record) if subject else "",
                kind=_KINDS.get(record.history_type, record.history_type),
                changes=tuple(changes),
                reason=record.history_change_reason or "",
            )
        )
    rows.reverse()
    return rows


def merged(*histories: Iterable[HistoryRow]) -> list[HistoryRow]:
    """Several objects' histories as one, newest first."""
    return sorted((row for rows in histories for row in rows), key=lambda r: r.when, reverse=True)
