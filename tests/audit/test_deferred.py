"""`audit_deferred`: entries recorded in a request's transaction join the chain at its end."""

import pytest
from django.db import transaction

from enstream.audit.chain import verify_chain
from enstream.audit.models import AuditEntry
from enstream.audit.services import AuditError, audit_deferred, audit_record

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_entries_recorded_in_the_block_are_chained_when_it_ends() -> None:
    before = audit_record(action="before")
    with transaction.atomic(), audit_deferred():
        first = audit_record(action="first")
        second = audit_record(action="second")
        assert _actions() == ["before"]
    assert _actions() == ["before", "first", "second"]
    assert (first.seq, second.seq) == (before.seq + 1, before.seq + 2)
    assert second.prev_hash == first.hash
    assert verify_chain().ok


def test_an_entry_in_a_rolled_back_savepoint_is_dropped_with_it() -> None:
    with transaction.atomic(), audit_deferred():
        audit_record(action="kept")
        try:
            with transaction.atomic():
                audit_record(action="undone")
                raise ValueError("the nested change fails")
        except ValueError:
            pass
        audit_record(action="kept too")
    assert _actions() == ["kept", "kept too"]
    assert verify_chain().ok


class RequestFailed(Exception):
    pass


def _failing_request() -> None:
    with transaction.atomic(), audit_deferred():
        audit_record(action="undone")
        raise RequestFailed


def test_an_error_out_of_the_block_drops_every_entry() -> None:
    with pytest.raises(RequestFailed):
        _failing_request()
    assert _actions() == []
    audit_record(action="after")
    assert verify_chain().ok


def test_a_nested_block_joins_the_outer_one() -> None:
    with transaction.atomic(), audit_deferred():
        with audit_deferred():
            audit_record(action="inner")
        assert _actions() == []
    assert _actions() == ["inner"]


@pytest.mark.django_db(transaction=True)
def test_deferring_needs_an_open_transaction() -> None:
    with pytest.raises(AuditError), audit_deferred():
        pass
