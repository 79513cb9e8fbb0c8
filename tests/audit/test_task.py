import logging

import pytest
from django.db import connection

from enstream.audit.services import audit_record
from enstream.audit.tasks import verify_audit_chain

pytestmark = pytest.mark.django_db


def test_the_nightly_check_reports_an_intact_chain() -> None:
    audit_record(action="test")
    assert verify_audit_chain() == {"ok": True, "count": 1, "broken_seq": None}


def test_the_nightly_check_logs_a_break_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    first = audit_record(action="test")
    audit_record(action="test")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [first.pk])

    with caplog.at_level(logging.ERROR, logger="enstream.audit.tasks"):
        result = verify_audit_chain()
    assert result["ok"] is False
    assert result["broken_seq"] == 1
    assert "audit chain BROKEN at entry #1" in caplog.text
