"""A SIM swap seen from the bank's back end: the `credential.card_data_required` webhook, then
POST /credentials/{id}/card-data finishes the card on the new SIM (jobs run in process)."""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from enstream.apikeys.models import IdempotencyRecord
from enstream.webhooks.delivery import webhook_delivery_attempt
from enstream.webhooks.models import WebhookDelivery, WebhookEvent
from enstream.webhooks.tasks import deliver_webhook
from mno.models import SecureElement
from mno.se_services import se_sandbox_swap_sim, se_swap_sim
from provisioning.models import Credential, Job
from tests.api.conftest import MakeKey, Receiver, bearer
from tests.api_credentials.conftest import OTHER_VISA_PANS, URL, VISA_PAN, Keys, Provision, card
from tests.cast import Cast
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import Market, card_of, virtual_se

pytestmark = pytest.mark.django_db(transaction=True)
PERSONALISED = 0x0F  # the applet's life cycle once personalised (GlobalPlatform)


@dataclass
class Swap:
    key: str
    old_id: str
    replacement: Credential
    new_se: SecureElement


def supply(api: APIClient, key: str, credential_id: str, token: str = "card-data-1", **overrides):
    return api.post(
        f"{URL}/{credential_id}/card-data",
        {"card_data": card(**overrides)},
        format="json",
        HTTP_IDEMPOTENCY_KEY=token,
        **bearer(key),
    )


def get(api: APIClient, key: str, credential_id: str) -> dict:
    return api.get(f"{URL}/{credential_id}", **bearer(key)).json()


@pytest.fixture
def swap(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, market: Market, cast: Cast
) -> Callable[..., Swap]:
    """swap(sandbox=False): an active card of Maple's, then its subscriber's SIM swapped."""

    def make(*, sandbox: bool = False) -> Swap:
        key = keys.sandbox if sandbox else keys.live
        old_se = virtual_se(market.northwind, sandbox=sandbox)
        new_se = virtual_se(market.northwind, msisdn=None, sandbox=sandbox)
        created = provision(key, old_se.msisdn)
        assert created.status_code == 202, created.content
        pump.run()
        assert get(api, key, created.json()["id"])["state"] == "active"
        move = se_sandbox_swap_sim if sandbox else se_swap_sim
        move(msisdn=old_se.msisdn, new_iccid=new_se.iccid, actor=cast.operations)
        pump.run()
        replacement = Credential.objects.get(replaces_id=created.json()["id"])
        return Swap(key, created.json()["id"], replacement, new_se)

    return make


@pytest.mark.parametrize("sandbox", [False, True], ids=["live", "sandbox"])
def test_after_a_sim_swap_the_bank_is_told_and_its_card_data_finishes_the_card_on_the_new_sim(
    api: APIClient,
    pump: Pump,
    swap: Callable[..., Swap],
    caplog: pytest.LogCaptureFixture,
    sandbox: bool,
) -> None:
    caplog.set_level(logging.DEBUG)
    moved = swap(sandbox=sandbox)
    replacement_id = str(moved.replacement.pk)
    assert moved.replacement.se_id == moved.new_se.pk
    event = WebhookEvent.objects.get(event_type="credential.card_data_required")
    assert event.mode == ("sandbox" if sandbox else "live")
    assert event.payload["credential"]["id"] == replacement_id
    assert event.payload["credential"]["state"] == "requested"
    assert event.payload["credential"]["last4"] == "1111"
    assert event.payload["reason"]["code"] == "card_data_required"
    assert event.payload["replaces"] == {"id": moved.old_id}

    waiting = get(api, moved.key, replacement_id)
    assert waiting["state"] == "requested"
    assert waiting["reason"]["code"] == "card_data_required"

    response = supply(api, moved.key, replacement_id)
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer["id"] == replacement_id
    assert answer["msisdn"] == moved.replacement.msisdn
    assert answer["job"]["kind"] == "provision"
    assert answer["job"]["state"] in ("ready", "queued")
    assert response["Location"] == f"{URL}/{replacement_id}"
    pump.run()
    finished = get(api, moved.key, replacement_id)
    assert finished["state"] == "active"
    assert finished["reason"] is None
    assert finished["job"] == {**answer["job"], "state": "succeeded"}
    replacement = Credential.objects.get(pk=replacement_id)
    assert replacement.se_id == moved.new_se.pk
    applet = card_of(moved.new_se).application(replacement.instance_aid_bytes)
    assert applet.lifecycle == PERSONALISED
    assert get(api, moved.key, moved.old_id)["state"] == "deleted"
    assert VISA_PAN not in response.content.decode() + caplog.text


def test_the_subscribed_endpoint_receives_the_event_when_the_migration_ends(
    api: APIClient,
    keys: Keys,
    swap: Callable[..., Swap],
    receiver: Callable[..., Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The delivery task is queued once the migration's transaction commits; here it is run by
    # hand, where a worker would run it.
    queued: list[int] = []
    monkeypatch.setattr(deliver_webhook, "delay", queued.append)
    server = receiver([204])
    subscribed = api.post(
        "/api/v1/webhooks",
        {"url": server.url, "event_types": ["credential.card_data_required"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="subscribe",
        **bearer(keys.live),
    )
    assert subscribed.status_code == 201, subscribed.content
    moved = swap()
    delivery = WebhookDelivery.objects.get(event__event_type="credential.card_data_required")
    assert queued == [delivery.pk]
    webhook_delivery_attempt(delivery_id=delivery.pk)
    [(headers, raw)] = server.requests
    assert headers["EnStream-Event-Type"] == "credential.card_data_required"
    delivered = json.loads(raw)
    assert delivered["data"]["credential"]["id"] == str(moved.replacement.pk)
    assert delivered["data"]["reason"]["code"] == "card_data_required"
    assert VISA_PAN not in raw.decode()


def test_another_card_answers_card_mismatch_and_the_credential_keeps_waiting(
    api: APIClient, swap: Callable[..., Swap]
) -> None:
    moved = swap()
    replacement_id = str(moved.replacement.pk)
    response = supply(api, moved.key, replacement_id, pan=OTHER_VISA_PANS[0])
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("card_mismatch", "card_data.pan")
    assert OTHER_VISA_PANS[0] not in response.content.decode()
    assert get(api, moved.key, replacement_id)["reason"]["code"] == "card_data_required"
    assert not Job.objects.filter(credential_id=replacement_id, kind="provision").exists()
    # The right card, under a new key, is accepted afterwards.
    assert supply(api, moved.key, replacement_id, token="card-data-2").status_code == 202


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"pan": "4111111111111112"}, "invalid_pan", "card_data.pan"),
        ({"expiry_year": 2020}, "card_expired", "card_data.expiry_year"),
        ({"cardholder_name": ""}, "blank", "card_data.cardholder_name"),
    ],
    ids=["luhn", "expired", "no name"],
)
def test_invalid_card_data_answers_the_card_codes_with_the_field(
    api: APIClient, swap: Callable[..., Swap], overrides: dict, code: str, field: str
) -> None:
    moved = swap()
    response = supply(api, moved.key, str(moved.replacement.pk), **overrides)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)


def test_a_credential_not_waiting_for_card_data_answers_invalid_state(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    created = provision(keys.live, live_se.msisdn).json()
    queued = supply(api, keys.live, created["id"], token="while-provisioning")
    assert queued.status_code == 409
    assert queued.json()["error"]["code"] == "invalid_state"
    pump.run()
    active = supply(api, keys.live, created["id"], token="once-active")
    assert active.status_code == 409
    assert active.json()["error"]["code"] == "invalid_state"


def test_another_issuer_or_the_other_mode_gets_404_and_a_key_without_provision_403(
    api: APIClient, keys: Keys, make_key: MakeKey, cast: Cast, swap: Callable[..., Swap]
) -> None:
    moved = swap(sandbox=True)
    replacement_id = str(moved.replacement.pk)
    for n, stranger in enumerate((keys.prairie, keys.outsider, keys.live)):
        response = supply(api, stranger, replacement_id, token=f"stranger-{n}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    _, read_only = make_key(cast.maple, mode="sandbox", scopes=("read", "lifecycle"))
    refused = supply(api, read_only, replacement_id)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    assert get(api, moved.key, replacement_id)["reason"]["code"] == "card_data_required"


def test_a_retry_with_the_same_idempotency_key_replays_the_answer_and_runs_once(
    api: APIClient, swap: Callable[..., Swap]
) -> None:
    moved = swap()
    replacement_id = str(moved.replacement.pk)
    first = supply(api, moved.key, replacement_id, token="retry-me")
    again = supply(api, moved.key, replacement_id, token="retry-me")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Job.objects.filter(credential_id=replacement_id, kind="provision").count() == 1
    stored = IdempotencyRecord.objects.get(token="retry-me")
    assert VISA_PAN not in json.dumps(stored.response_data)
    other_card = supply(api, moved.key, replacement_id, token="retry-me", expiry_year=2031)
    assert other_card.status_code == 422
    assert other_card.json()["error"]["code"] == "idempotency_key_reused"
