import pytest

from enstream.audit.models import AuditEntry, AuditLogImmutable
from enstream.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_saving_an_existing_entry_is_refused() -> None:
    entry = audit_record(action="test")
    entry.detail = "changed"
    with pytest.raises(AuditLogImmutable):
        entry.save()


def test_deleting_an_entry_is_refused() -> None:
    entry = audit_record(action="test")
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused() -> None:
    audit_record(action="test")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(action="test").update(detail="changed")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail == ""


def test_entries_cannot_be_written_around_audit_record() -> None:
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.bulk_create([AuditEntry(action="forged")])
