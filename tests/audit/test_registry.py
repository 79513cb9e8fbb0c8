import pytest

from enstream.accounts.models import Organisation
from enstream.audit.context import actor_context
from enstream.audit.models import AuditEntry
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_changes_made_without_anyone_acting_are_not_recorded(cast: Cast) -> None:
    cast.maple.name = "Maple Bank of Canada"
    cast.maple.save()
    assert not AuditEntry.objects.exists()


def test_an_update_records_the_fields_that_changed_before_and_after(cast: Cast) -> None:
    with actor_context(user=cast.account_manager, ip="10.0.0.7", via="web"):
        cast.maple.name = "Maple Bank of Canada"
        cast.maple.save()

    entry = AuditEntry.objects.get()
    assert entry.action == "update"
    assert entry.object_type == "accounts.organisation"
    assert entry.object_id == str(cast.maple.pk)
    assert entry.changes == {"name": ["Maple Bank", "Maple Bank of Canada"]}
    assert entry.actor_id == cast.account_manager.pk
    assert entry.actor_label == "amir@enstream.example"
    assert entry.actor_organisation_id == cast.enstream.pk
    assert entry.organisation_id == cast.maple.pk
    assert entry.ip == "10.0.0.7"
    assert entry.via == "web"


def test_saving_without_a_change_records_nothing(cast: Cast) -> None:
    with actor_context(user=cast.account_manager, via="web"):
        cast.maple.save()
    assert not AuditEntry.objects.exists()


def test_a_create_and_a_delete_are_recorded(cast: Cast) -> None:
    with actor_context(user=cast.enstream_admin, via="admin"):
        organisation = Organisation.objects.create(name="Tundra Telecom", slug="tundra", kind="mno")
        organisation_id = organisation.pk
        organisation.delete()

    created, deleted = AuditEntry.objects.order_by("seq")
    assert created.action == "create"
    assert created.changes["name"] == "Tundra Telecom"
    assert created.organisation_id == organisation_id
    assert deleted.action == "delete"
    assert deleted.object_id == str(organisation_id)
    assert deleted.changes["slug"] == "tundra"
    assert deleted.via == "admin"


def test_a_users_role_change_lands_in_their_organisations_log(cast: Cast) -> None:
    with actor_context(user=cast.maple_admin, via="web"):
        cast.maple_viewer.role = "issuer_operator"
        cast.maple_viewer.save(update_fields=["role"])

    entry = AuditEntry.objects.get()
    assert entry.changes == {"role": ["issuer_viewer", "issuer_operator"]}
    assert entry.organisation_id == cast.maple.pk


def test_an_api_key_acting_is_recorded_as_the_actor(cast: Cast) -> None:
    class FakeKey:
        pk = 42
        prefix = "es_live_ab12"
        organisation_id = cast.maple.pk

    with actor_context(api_key=FakeKey(), via="api"):
        cast.maple_viewer.full_name = "Vic Viewer"
        cast.maple_viewer.save()

    entry = AuditEntry.objects.get()
    assert entry.api_key_id == "42"
    assert entry.actor_label == "API key es_live_ab12"
    assert entry.actor_organisation_id == cast.maple.pk
    assert entry.via == "api"
