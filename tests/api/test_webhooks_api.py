from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from enstream.keystore import unseal
from enstream.webhooks.models import WebhookEndpoint
from enstream.webhooks.services import SECRET_PURPOSE
from tests.api.conftest import MakeKey, bearer

URL = "/api/v1/webhooks"


def create(api: APIClient, raw: str, token: str = "c1", **body: Any):
    payload = {"url": "https://hooks.maple.example/in", "event_types": ["credential.active"]}
    payload.update(body)
    return api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY=token, **bearer(raw))


def test_creating_an_endpoint_returns_its_secret_once_and_seals_it(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key()
    response = create(api, raw, description="Card events")
    assert response.status_code == 201
    body = response.json()
    assert body["url"] == "https://hooks.maple.example/in"
    assert body["event_types"] == ["credential.active"]
    assert body["mode"] == "live"
    assert body["is_active"] is True
    secret = body["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert unseal(endpoint.secret, purpose=SECRET_PURPOSE, owner=endpoint.secret_owner) == (
        secret.encode()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM keystore_secret")
        assert secret.encode() not in repr(cursor.fetchall()).encode()
    detail = api.get(f"{URL}/{endpoint.pk}", **bearer(raw)).json()
    assert "secret" not in detail


def test_rotating_returns_a_new_secret(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    first = create(api, raw).json()
    rotated = api.post(
        f"{URL}/{first['id']}/rotate-secret", HTTP_IDEMPOTENCY_KEY="rot-1", **bearer(raw)
    )
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != first["secret"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.maple.example/in", "must use https"),
        ("https://10.1.2.3/in", "public host"),
        ("https://127.0.0.1/in", "public host"),
        ("https://user:pw@hooks.maple.example/in", "no user name or password"),
        ("not a url", "full URL"),
    ],
)
def test_an_unsafe_url_is_refused_with_a_field_error(
    api: APIClient, make_key: MakeKey, url: str, message: str, settings: Any
) -> None:
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    _, raw = make_key()
    response = create(api, raw, url=url)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "url"
    assert message in response.json()["error"]["message"]


def test_plain_http_to_this_machine_is_allowed_only_where_configured(
    api: APIClient, make_key: MakeKey, settings: Any
) -> None:
    _, raw = make_key()
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    assert create(api, raw, "h1", url="http://127.0.0.1:8080/in").status_code == 400
    settings.ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    assert create(api, raw, "h2", url="http://127.0.0.1:8080/in").status_code == 201


def test_an_unknown_event_type_is_a_field_error(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    response = create(api, raw, event_types=["credential.active", "card.stolen"])
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "event_types.1"
    assert response.json()["error"]["code"] == "invalid_choice"


def test_deleting_destroys_the_secret(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    endpoint = WebhookEndpoint.objects.get(pk=create(api, raw).json()["id"])
    secret = endpoint.secret
    assert api.delete(f"{URL}/{endpoint.pk}", **bearer(raw)).status_code == 204
    secret.refresh_from_db()
    assert secret.is_destroyed
