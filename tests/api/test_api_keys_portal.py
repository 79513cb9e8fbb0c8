import re

from django.db import connection
from django.test import Client

from enstream.apikeys import tokens
from enstream.apikeys.models import ApiKey
from enstream.audit.models import AuditEntry
from tests.accounts.helpers import login_verified
from tests.api.conftest import MakeKey, bearer
from tests.cast import Cast

KEY_PATTERN = re.compile(r"es_(?:live|test|staff)_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}")


def create_key(client: Client, **fields: object) -> str:
    data = {"name": "card issuing back end", "mode": "live", "scopes": ["read", "provision"]}
    data.update(fields)
    response = client.post("/api-keys/new/", data)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    found = KEY_PATTERN.findall(response.content.decode())
    assert len(found) == 1
    return found[0]


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  # a fixed table name
        return repr(cursor.fetchall())


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    raw = create_key(client)
    secret_part = raw.rsplit("_", 1)[1]
    stored = raw_rows("apikeys_apikey")
    assert raw not in stored
    assert secret_part not in stored
    key = ApiKey.objects.get()
    assert raw.startswith(key.prefix)
    assert key.secret_hash == tokens.key_hash(raw)
    listing = client.get("/api-keys/").content.decode()
    assert key.prefix in listing
    assert secret_part not in listing


def test_the_list_shows_what_an_admin_needs_to_rotate(
    client: Client, cast: Cast, make_key: MakeKey
) -> None:
    key, _ = make_key(name="Statement service", scopes=("read", "lifecycle"))
    login_verified(client, cast.maple_admin)
    page = client.get("/api-keys/").content.decode()
    for expected in (key.prefix, "Statement service", "lifecycle, read", "never", "mia@maple"):
        assert expected in page


def test_the_created_key_calls_the_api(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    raw = create_key(client, scopes=["webhooks"])
    client.logout()
    assert client.get("/api/v1/webhooks", **bearer(raw)).status_code == 200


def test_an_admin_revokes_a_key_from_the_portal(
    client: Client, cast: Cast, make_key: MakeKey
) -> None:
    key, raw = make_key()
    login_verified(client, cast.maple_admin)
    assert client.get(f"/api-keys/{key.pk}/revoke/").status_code == 200
    response = client.post(f"/api-keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_by == cast.maple_admin
    client.logout()
    assert client.get("/api/v1/webhooks", **bearer(raw)).status_code == 401


def test_viewers_and_operators_cannot_manage_keys(client: Client, cast: Cast) -> None:
    for person in (cast.maple_viewer, cast.maple_operator, cast.northwind_viewer):
        login_verified(client, person)
        assert client.get("/api-keys/").status_code == 403
        assert client.post("/api-keys/new/", {"name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_another_issuer_neither_sees_nor_revokes_maples_keys(
    client: Client, cast: Cast, make_key: MakeKey
) -> None:
    key, _ = make_key(name="Maple secret service")
    login_verified(client, cast.prairie_admin)
    assert "Maple secret service" not in client.get("/api-keys/").content.decode()
    assert client.get(f"/api-keys/{key.pk}/revoke/").status_code == 404
    assert client.post(f"/api-keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_an_enstream_admin_creates_a_staff_key_for_a_colleague(client: Client, cast: Cast) -> None:
    login_verified(client, cast.enstream_admin)
    raw = create_key(client, user=cast.operations.pk)
    assert raw.startswith("es_staff_")
    key = ApiKey.objects.get()
    assert key.user == cast.operations
    assert key.organisation == cast.enstream


def test_enstream_admins_see_every_key_with_its_organisation(
    client: Client, cast: Cast, make_key: MakeKey
) -> None:
    make_key(cast.maple, name="Maple back end")
    make_key(cast.prairie, name="Prairie back end")
    login_verified(client, cast.enstream_admin)
    page = client.get("/api-keys/").content.decode()
    assert "Maple back end" in page
    assert "Maple Bank" in page
    assert "Prairie back end" in page
    assert "Prairie Credit Union" in page


def test_a_malformed_allow_list_is_a_form_error_not_a_500(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/api-keys/new/",
        {"name": "x", "mode": "live", "scopes": ["read"], "allowed_cidrs": "10.0.0.0/8\nnot-an-ip"},
    )
    assert response.status_code == 200
    assert "not an IP address" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_key_that_expires_today_is_refused(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    response = client.post(
        "/api-keys/new/",
        {"name": "x", "mode": "live", "scopes": ["read"], "expires_on": "2000-01-01"},
    )
    assert "must be in the future" in response.content.decode()


def test_creating_and_revoking_are_audited_without_the_key(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    raw = create_key(client)
    key = ApiKey.objects.get()
    client.post(f"/api-keys/{key.pk}/revoke/")
    entries = AuditEntry.objects.filter(action__startswith="api_key.").order_by("seq")
    assert [entry.action for entry in entries] == ["api_key.create", "api_key.revoke"]
    assert all(entry.actor_id == cast.maple_admin.pk for entry in entries)
    assert raw.rsplit("_", 1)[1] not in raw_rows("audit_auditentry")
