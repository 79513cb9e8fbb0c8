from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from enstream.audit.chain import GENESIS_HASH, verify_chain
from enstream.audit.models import AuditEntry
from enstream.audit.services import AuditError, audit_record

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[AuditEntry]:
    return [audit_record(action="test", detail=f"entry {i}") for i in range(n)]


def _tamper(sql: str, params: list) -> None:
    """Change the table behind the application's back, as someone with database access
    could (on PostgreSQL that needs the append-only trigger out of the way first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def test_each_entry_holds_the_hash_of_the_one_before() -> None:
    first, second, third = _entries(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]


def test_verify_audit_says_ok_with_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    _entries(4)
    call_command("verify_audit")
    assert "OK: 4 audit entries" in capsys.readouterr().out


def test_verify_audit_on_an_empty_log_says_ok(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_audit")
    assert "OK: 0 audit entries" in capsys.readouterr().out


def test_an_entry_edited_in_the_database_is_named_by_verify_audit() -> None:
    entries = _entries(5)
    altered = entries[2]
    _tamper("UPDATE audit_auditentry SET detail = %s WHERE id = %s", ["nothing", altered.pk])

    with pytest.raises(CommandError, match=rf"entry #{altered.seq} \(id {altered.pk}\)"):
        call_command("verify_audit")


def test_an_entry_whose_hash_was_recomputed_breaks_the_link_to_the_next() -> None:
    entries = _entries(4)
    _tamper(
        "UPDATE audit_auditentry SET detail = %s, hash = %s WHERE id = %s",
        ["rewritten", "f" * 64, entries[1].pk],
    )
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == 2


def test_a_deleted_entry_is_detected_at_the_entry_after_it() -> None:
    entries = _entries(5)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])

    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == entries[2].seq
    assert "missing" in report.reason


def test_removing_the_newest_entries_is_detected() -> None:
    entries = _entries(3)
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])

    with pytest.raises(CommandError, match="newest entries were removed"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_itself_refuses_to_update_an_entry() -> None:
    from django.db import DatabaseError, transaction

    entry = audit_record(action="test")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET detail = 'x' WHERE id = %s", [entry.pk])


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(AuditError):
        audit_record(action="test", outcome="maybe")


@pytest.mark.parametrize("ip", ["2001:DB8:0:0::1", "::ffff:192.0.2.7", "192.0.2.7", "not an ip"])
def test_entries_verify_after_a_round_trip_through_the_database(ip: str) -> None:
    from enstream.audit.context import actor_context

    with actor_context(ip=ip, via="web"):
        entry = audit_record(
            action="test",
            changes={"ratio": 0.1, "when": timezone.now(), "amount": Decimal("12.50"), "n": 10**20},
            detail="ünïcode ✓",
        )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.hash == entry.hash
    assert verify_chain().ok
