"""Suspend, resume and delete through the API, with the jobs run in process (the task pump)."""

import pytest
from rest_framework.test import APIClient

from mno.models import SecureElement
from provisioning.models import Job
from tests.api.conftest import MakeKey, bearer
from tests.api_credentials.conftest import URL, Keys, Provision
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import Market, virtual_se

pytestmark = pytest.mark.django_db(transaction=True)


def state(api: APIClient, key: str, credential_id: str) -> str:
    return api.get(f"{URL}/{credential_id}", **bearer(key)).json()["state"]


def act(api: APIClient, key: str, credential_id: str, verb: str, **body: str):
    return api.post(
        f"{URL}/{credential_id}/{verb}",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"{verb}-{credential_id}",
        **bearer(key),
    )


def active(api: APIClient, provision: Provision, pump: Pump, key: str, msisdn: str) -> str:
    created = provision(key, msisdn)
    assert created.status_code == 202, created.content
    pump.run()
    assert state(api, key, created.json()["id"]) == "active"
    return created.json()["id"]


def test_a_card_goes_active_then_suspended_resumed_and_deleted(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    for verb, job_kind, settled in (
        ("suspend", "suspend", "suspended"),
        ("resume", "resume", "active"),
        ("delete", "delete", "deleted"),
    ):
        response = act(api, keys.live, credential, verb)
        assert response.status_code == 202, response.content
        answer = response.json()
        assert answer["job"]["kind"] == job_kind
        assert answer["job"]["state"] in ("ready", "queued")
        pump.run()
        settled_answer = api.get(f"{URL}/{credential}", **bearer(keys.live)).json()
        assert settled_answer["state"] == settled
        assert settled_answer["job"] == {**answer["job"], "state": "succeeded"}
    assert settled_answer["deleted_at"] is not None


def test_the_suspension_reason_is_kept_with_the_job(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    answer = act(api, keys.live, credential, "suspend", reason="lost phone").json()
    assert Job.objects.get(pk=answer["job"]["id"]).context["reason"] == "lost phone"


def test_a_retried_suspend_replays_the_same_job(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    first = act(api, keys.live, credential, "suspend")
    again = act(api, keys.live, credential, "suspend")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Job.objects.filter(credential_id=credential, kind="suspend").count() == 1


def test_an_operation_the_state_does_not_allow_is_a_409(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    response = act(api, keys.live, credential, "resume")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_state"


def test_a_second_operation_while_one_runs_is_a_409(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    assert act(api, keys.live, credential, "suspend").status_code == 202
    response = act(api, keys.live, credential, "delete")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credential_busy"


def test_lifecycle_needs_the_lifecycle_scope(
    api: APIClient,
    provision: Provision,
    pump: Pump,
    keys: Keys,
    make_key: MakeKey,
    live_se: SecureElement,
) -> None:
    credential = active(api, provision, pump, keys.live, live_se.msisdn)
    _, reader = make_key(scopes=("read", "provision"))
    for verb in ("suspend", "resume", "delete"):
        response = act(api, reader, credential, verb)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"


def test_a_failed_provisioning_shows_why_and_what_to_do(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, market: Market
) -> None:
    # The registry believes there is room; the card has none (status word 6A84).
    se = virtual_se(market.northwind, total_nv=9 * 1024, claimed_free_nv=500_000)
    created = provision(keys.live, se.msisdn).json()
    pump.run()
    answer = api.get(f"{URL}/{created['id']}", **bearer(keys.live)).json()
    assert answer["state"] == "failed"
    assert answer["reason"]["code"] == "se_memory_full"
    assert answer["reason"]["action"]
    job = api.get(f"/api/v1/jobs/{answer['job']['id']}", **bearer(keys.live)).json()
    assert job["state"] == "failed"
    assert job["failure"]["code"] == "se_memory_full"
    assert job["finished_at"] is not None
