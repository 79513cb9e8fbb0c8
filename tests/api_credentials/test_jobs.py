"""GET /api/v1/jobs/{id}: an over-the-air operation with its steps and timings."""

from datetime import datetime

import pytest
from rest_framework.test import APIClient

from mno.models import SecureElement
from tests.api.conftest import bearer
from tests.api_credentials.conftest import Keys, Provision
from tests.provisioning.conftest import Pump

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_finished_job_shows_its_steps_commands_answers_and_timings(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    created = provision(keys.live, live_se.msisdn).json()
    pump.run()
    response = api.get(f"/api/v1/jobs/{created['job']['id']}", **bearer(keys.live))
    assert response.status_code == 200
    job = response.json()
    assert (job["kind"], job["state"], job["credential"]) == (
        "provision",
        "succeeded",
        created["id"],
    )
    assert (job["network"], job["livemode"], job["failure"]) == ("NWM", True, None)
    started = datetime.fromisoformat(job["started_at"])
    finished = datetime.fromisoformat(job["finished_at"])
    assert job["duration_ms"] == int((finished - started).total_seconds() * 1000)
    [step] = job["steps"]
    assert step["outcome"] == "ok"
    assert "INSTALL [install, selectable] SSD" in step["commands"]
    assert "STORE DATA (keys)" in step["commands"]
    assert len(step["status_words"]) == len(step["commands"])
    assert set(step["status_words"]) == {"9000"}
    assert step["duration_ms"] is not None
    assert datetime.fromisoformat(step["replied_at"]) >= datetime.fromisoformat(
        step["submitted_at"]
    )


def test_a_queued_job_has_no_duration_yet(
    api: APIClient, provision: Provision, pump: Pump, keys: Keys, live_se: SecureElement
) -> None:
    provision(keys.live, live_se.msisdn)
    second = provision(
        keys.live,
        live_se.msisdn,
        scheme="mastercard",
        applet_profile="mastercard_mchip",
        card_data={
            "pan": "5555555555554444",
            "expiry_month": 1,
            "expiry_year": 2031,
            "cardholder_name": "Jane Q Public",
        },
    ).json()
    job = api.get(f"/api/v1/jobs/{second['job']['id']}", **bearer(keys.live)).json()
    assert job["state"] == "queued"
    assert (job["started_at"], job["duration_ms"], job["steps"]) == (None, None, [])


def test_a_sandbox_key_cannot_read_a_live_job_nor_the_reverse(
    api: APIClient,
    provision: Provision,
    keys: Keys,
    live_se: SecureElement,
    sandbox_se: SecureElement,
) -> None:
    live_job = provision(keys.live, live_se.msisdn).json()["job"]["id"]
    sandbox_job = provision(keys.sandbox, sandbox_se.msisdn).json()["job"]["id"]
    assert api.get(f"/api/v1/jobs/{live_job}", **bearer(keys.sandbox)).status_code == 404
    assert api.get(f"/api/v1/jobs/{sandbox_job}", **bearer(keys.live)).status_code == 404
    assert api.get(f"/api/v1/jobs/{sandbox_job}", **bearer(keys.sandbox)).status_code == 200
