import threading

import pytest
from django.db import connection, connections

from enstream.audit.chain import verify_chain
from enstream.audit.models import AuditEntry
from enstream.audit.services import audit_record

WRITERS = 8
EACH = 15


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            barrier.wait()
            for i in range(EACH):
                audit_record(action="test", detail=f"writer {writer} entry {i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert AuditEntry.objects.count() == WRITERS * EACH
    report = verify_chain()
    assert report.ok, report
    assert report.count == WRITERS * EACH
