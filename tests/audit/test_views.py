import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from enstream.audit.context import actor_context
from enstream.audit.models import AuditEntry
from enstream.audit.services import audit_record
from tests.accounts.helpers import login_verified
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def maple_entry(cast: Cast) -> AuditEntry:
    with actor_context(user=cast.maple_admin, via="web"):
        return audit_record(action="allocation_requested", obj=cast.maple, detail="Northwind")


@pytest.fixture
def prairie_entry(cast: Cast) -> AuditEntry:
    with actor_context(user=cast.prairie_admin, via="web"):
        return audit_record(action="user_invited", obj=cast.prairie)


def _list(client: Client, **params: str) -> str:
    response = client.get(reverse("audit:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def _listed(client: Client, **params: str) -> set[int]:
    """The entries the list page links to."""
    return {int(pk) for pk in re.findall(r'href="/audit/(\d+)/"', _list(client, **params))}


def test_an_issuer_admin_sees_their_own_organisations_entries(
    client: Client, cast: Cast, maple_entry: AuditEntry, prairie_entry: AuditEntry
) -> None:
    login_verified(client, cast.prairie_admin)
    listed = _listed(client)
    assert prairie_entry.pk in listed
    assert maple_entry.pk not in listed


def test_another_organisations_entry_answers_404(
    client: Client, cast: Cast, maple_entry: AuditEntry
) -> None:
    login_verified(client, cast.prairie_admin)
    response = client.get(reverse("audit:detail", kwargs={"pk": maple_entry.pk}))
    assert response.status_code == 404


def test_the_entry_detail_shows_what_happened(
    client: Client, cast: Cast, maple_entry: AuditEntry
) -> None:
    login_verified(client, cast.maple_admin)
    response = client.get(reverse("audit:detail", kwargs={"pk": maple_entry.pk}))
    assert response.status_code == 200
    assert b"allocation_requested" in response.content
    assert b"mia@maple.example" in response.content
    assert maple_entry.hash.encode() in response.content


def test_enstream_admins_see_every_organisations_entries(
    client: Client, cast: Cast, maple_entry: AuditEntry, prairie_entry: AuditEntry
) -> None:
    login_verified(client, cast.enstream_admin)
    assert {maple_entry.pk, prairie_entry.pk} <= _listed(client)


def test_roles_without_the_audit_permission_are_refused(client: Client, cast: Cast) -> None:
    for user in (cast.maple_viewer, cast.northwind_viewer, cast.finance):
        login_verified(client, user)
        assert client.get(reverse("audit:list")).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_list_filters_by_actor_action_and_dates(
    client: Client, cast: Cast, maple_entry: AuditEntry, prairie_entry: AuditEntry
) -> None:
    login_verified(client, cast.enstream_admin)
    assert _listed(client, actor="mia@") == {maple_entry.pk}
    assert _listed(client, action="user_invited") == {prairie_entry.pk}
    today = str(timezone.localdate())
    assert prairie_entry.pk in _listed(client, date_from=today, date_to=today)
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    assert _listed(client, date_from=tomorrow) == set()
    yesterday = str(timezone.localdate() - timedelta(days=1))
    assert _listed(client, date_to=yesterday) == set()


def test_a_malformed_date_is_a_form_error_not_a_crash(client: Client, cast: Cast) -> None:
    login_verified(client, cast.enstream_admin)
    page = _list(client, date_from="last tuesday")
    assert "Enter a valid date" in page


def test_the_list_is_paginated_keeping_the_filters(client: Client, cast: Cast) -> None:
    for i in range(60):
        audit_record(action="bulk_test", organisation=cast.maple, detail=str(i))
    login_verified(client, cast.maple_admin)
    page = _list(client, action="bulk_test")
    assert "Page 1 of 2" in page
    assert "action=bulk_test&amp;page=2" in page


def test_reading_the_log_is_itself_recorded(
    client: Client, cast: Cast, maple_entry: AuditEntry
) -> None:
    login_verified(client, cast.maple_admin)
    client.get(reverse("audit:detail", kwargs={"pk": maple_entry.pk}))
    viewed = AuditEntry.objects.filter(action="audit_viewed").latest("seq")
    assert viewed.actor_id == cast.maple_admin.pk
    assert viewed.organisation_id == cast.maple.pk
    assert viewed.detail == f"entry #{maple_entry.seq}"


def test_reads_of_the_log_are_listed_only_when_asked_for(
    client: Client, cast: Cast, maple_entry: AuditEntry
) -> None:
    login_verified(client, cast.maple_admin)
    client.get(reverse("audit:list"))
    reads = set(AuditEntry.objects.filter(action="audit_viewed").values_list("pk", flat=True))
    assert reads
    assert not reads & _listed(client)
    assert reads <= _listed(client, action="audit_viewed")
