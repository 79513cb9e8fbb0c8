import hashlib
import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from enstream.api.idempotency import IdempotentCreateMixin, request_fingerprint
from enstream.apikeys.models import IdempotencyRecord, IdempotencyState
from enstream.apikeys.tasks import purge_idempotency_records
from enstream.audit.context import actor_context
from enstream.webhooks.api import views as webhook_views
from enstream.webhooks.models import WebhookEndpoint, WebhookEvent
from tests.api.conftest import MakeKey, bearer
from tests.cast import Cast

URL = "/api/v1/webhooks"
BODY = {"url": "https://hooks.maple.example/in", "event_types": ["credential.active"]}


def post(api: APIClient, raw: str, body: dict[str, Any] = BODY, key: str | None = "op-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(URL, body, format="json", **headers, **bearer(raw))


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key()
    first = post(api, raw)
    again = post(api, raw)
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert WebhookEndpoint.objects.count() == 1


def test_a_secret_shown_once_is_not_kept_for_replays(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    secret = post(api, raw).json()["secret"]
    assert secret.startswith("whsec_")
    assert post(api, raw).json()["secret"] is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apikeys_idempotencyrecord")
        assert secret not in repr(cursor.fetchall())


def test_the_same_content_in_another_order_is_the_same_request(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key()
    post(api, raw)
    reordered = api.generic(
        "POST",
        URL,
        '{ "event_types": ["credential.active"],   "url": "https://hooks.maple.example/in" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="op-1",
        **bearer(raw),
    )
    assert reordered.status_code == 201
    assert reordered["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_answers_422(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    post(api, raw)
    response = post(api, raw, {**BODY, "url": "https://elsewhere.maple.example/in"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.count() == 1


def test_a_retry_while_the_first_is_running_answers_409(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    _, raw = make_key()
    request = Request(APIRequestFactory().post(URL, BODY, format="json"), parsers=[JSONParser()])
    now = timezone.now()
    IdempotencyRecord.objects.create(
        organisation=cast.maple,
        mode="live",
        token="op-1",
        method="POST",
        path=URL,
        request_hash=request_fingerprint(request),
        locked_at=now,
        expires_at=now + timedelta(days=7),
    )
    response = post(api, raw)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_in_progress"
    assert not WebhookEndpoint.objects.exists()
    with time_machine.travel(now + timedelta(minutes=6)):
        # The first request died without finishing (its lease ran out): the retry runs it.
        assert post(api, raw).status_code == 201


def test_a_post_without_a_key_is_refused(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    response = post(api, raw, key=None)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "idempotency_key_missing",
        "message": "Every POST needs an Idempotency-Key header (a UUID per operation).",
        "field": "Idempotency-Key",
    }
    assert not WebhookEndpoint.objects.exists()


def test_a_rejected_request_keeps_nothing_so_the_fixed_retry_runs(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key()
    rejected = post(api, raw, {**BODY, "url": "http://hooks.maple.example/in"})
    assert rejected.status_code == 400
    assert rejected.json()["error"]["field"] == "url"
    assert post(api, raw).status_code == 201


def test_keys_are_separate_per_issuer_and_per_mode(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    _, maple_live = make_key(cast.maple)
    _, maple_sandbox = make_key(cast.maple, mode="sandbox")
    _, prairie = make_key(cast.prairie)
    for raw in (maple_live, maple_sandbox, prairie):
        response = post(api, raw)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert WebhookEndpoint.objects.count() == 3


def test_records_live_for_the_configured_days_and_are_then_purged(
    api: APIClient, make_key: MakeKey, settings: Any
) -> None:
    settings.ENSTREAM_IDEMPOTENCY_DAYS = 7
    _, raw = make_key()
    post(api, raw)
    record = IdempotencyRecord.objects.get()
    assert record.state == IdempotencyState.COMPLETE
    assert record.expires_at - record.created_at == timedelta(days=7)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert purge_idempotency_records() == 0
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert purge_idempotency_records() == 1


def test_an_expired_key_starts_afresh(api: APIClient, make_key: MakeKey) -> None:
    _, raw = make_key()
    post(api, raw)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = post(api, raw, {**BODY, "url": "https://later.maple.example/in"})
    assert response.status_code == 201
    assert WebhookEndpoint.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_endpoint(
    cast: Cast, make_key: MakeKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, raw = make_key()
    create = webhook_views.webhook_endpoint_create

    def slow_create(**kwargs: Any) -> Any:
        time.sleep(0.5)  # keeps the first request in flight while the others arrive
        return create(**kwargs)

    monkeypatch.setattr(webhook_views, "webhook_endpoint_create", slow_create)
    callers = 6
    barrier = threading.Barrier(callers)
    results: list[tuple[int, dict]] = []

    def call() -> None:
        try:
            barrier.wait()
            response = post(APIClient(), raw)
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert WebhookEndpoint.objects.count() == 1
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (callers - 1)
    created = next(body for status, body in results if status == 201)
    replay = post(APIClient(), raw)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == created["id"]


class _EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEvent
        fields = ["id", "event_type", "payload"]


class _EventViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A plain DRF create, made idempotent by the mixin alone."""

    serializer_class = _EventSerializer
    authentication_classes: list = []

    def perform_create(self, serializer: Any) -> None:
        serializer.save(organisation=self.request.user.organisation)


def test_the_mixin_makes_a_plain_viewset_create_idempotent(cast: Cast) -> None:
    view = _EventViewSet.as_view({"post": "create"})

    def call() -> Any:
        request = APIRequestFactory().post(
            "/events", {"event_type": "job.failed", "payload": {}}, format="json",
            HTTP_IDEMPOTENCY_KEY="mixin-1",
        )  # fmt: skip
        force_authenticate(request, user=cast.maple_admin)
        with actor_context():
            return view(request)

    first, again = call(), call()
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert WebhookEvent.objects.count() == 1


def test_the_stored_request_hash_is_keyed_so_a_card_number_in_a_body_cannot_be_guessed(
    db: None,
) -> None:
    body = {"card_data": {"pan": "4111111111111111"}, "msisdn": "+14165550123"}
    request = Request(APIRequestFactory().post(URL, body, format="json"), parsers=[JSONParser()])
    stored = request_fingerprint(request)
    # An attacker with the table and the body's shape tries the plain hash of each candidate.
    canonical = json.dumps(["POST", URL, json.dumps(body, sort_keys=True, separators=(",", ":"))])
    assert stored != hashlib.sha256(canonical.encode()).hexdigest()
    assert "4111111111111111" not in stored
