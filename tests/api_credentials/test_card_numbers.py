"""The card number is never echoed, logged or stored in clear, whatever the request; and one
Idempotency-Key creates one credential however many copies of the request arrive at once."""

import logging
import threading
import time
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from enstream.apikeys.models import IdempotencyRecord
from mno.models import SecureElement
from provisioning.api import views as credential_views
from provisioning.models import Credential
from tests.api.conftest import bearer
from tests.api_credentials.conftest import URL, VISA_PAN, Keys, Provision, body, card
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import database_contains

pytestmark = pytest.mark.django_db(transaction=True)

# Valid, Luhn-broken, other-scheme and malformed numbers: each must vanish the same way.
BAD_LUHN = "4111111111111112"
MASTERCARD = "5105105105105100"
TOO_LONG = "41111111111111111111"


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def test_no_card_number_reaches_a_response_a_log_line_or_any_table(
    api: APIClient,
    provision: Provision,
    pump: Pump,
    keys: Keys,
    live_se: SecureElement,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    responses = [
        provision(keys.live, live_se.msisdn, idempotency_key="first"),
        provision(keys.live, live_se.msisdn, idempotency_key="first"),  # a replay
        provision(keys.live, live_se.msisdn),  # the same card again: 409
        provision(keys.live, live_se.msisdn, card_data=card(BAD_LUHN)),
        provision(keys.live, live_se.msisdn, card_data=card(MASTERCARD)),
        provision(keys.live, live_se.msisdn, card_data=card(TOO_LONG)),
        provision(keys.live, live_se.msisdn, card_data=card(expiry_year=2001)),
        provision(keys.live, "+14165550199", card_data=card(pan_sequence=3)),
        provision(keys.live, live_se.msisdn, scheme=VISA_PAN),
        provision(keys.live, live_se.msisdn, applet_profile=VISA_PAN),
        provision(keys.sandbox, live_se.msisdn),
    ]
    pump.run()
    credential = responses[0].json()["id"]
    responses += [
        api.get(f"{URL}/{credential}", **bearer(keys.live)),
        api.get(URL, **bearer(keys.live)),
        api.get(f"/api/v1/jobs/{responses[0].json()['job']['id']}", **bearer(keys.live)),
    ]
    assert responses[0].status_code == 202
    assert Credential.objects.get().state == "active"
    assert all(r.status_code < 500 for r in responses)
    for pan in (VISA_PAN, BAD_LUHN, MASTERCARD, TOO_LONG):
        for response in responses:
            assert pan not in response.content.decode()
        assert pan not in _logged(caplog)
        assert database_contains(pan) == []
    assert IdempotencyRecord.objects.exists()


def test_the_stored_copy_for_replays_holds_the_last_four_only(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    provision(keys.live, live_se.msisdn, idempotency_key="kept")
    record = IdempotencyRecord.objects.get(token="kept")
    assert record.response_data["last4"] == "1111"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apikeys_idempotencyrecord")
        assert VISA_PAN not in repr(cursor.fetchall())


def test_concurrent_requests_with_one_key_create_one_credential(
    keys: Keys, live_se: SecureElement, monkeypatch: pytest.MonkeyPatch
) -> None:
    provision = credential_views.credential_provision

    def slow_provision(**kwargs: Any) -> Any:
        time.sleep(0.5)  # keeps the first request in flight while the copies arrive
        return provision(**kwargs)

    monkeypatch.setattr(credential_views, "credential_provision", slow_provision)
    callers = 6
    barrier = threading.Barrier(callers)
    results: list[tuple[int, dict]] = []

    def call() -> None:
        try:
            barrier.wait()
            response = APIClient().post(
                URL,
                body(live_se.msisdn),
                format="json",
                HTTP_IDEMPOTENCY_KEY="one-card",
                **bearer(keys.live),
            )
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Credential.objects.count() == 1
    assert sorted(status for status, _ in results) == [202] + [409] * (callers - 1)
    conflicts = [answer["error"]["code"] for status, answer in results if status == 409]
    assert set(conflicts) == {"idempotency_in_progress"}
    created = next(answer for status, answer in results if status == 202)
    replay = APIClient().post(
        URL,
        body(live_se.msisdn),
        format="json",
        HTTP_IDEMPOTENCY_KEY="one-card",
        **bearer(keys.live),
    )
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == created


def test_the_same_key_with_another_card_is_a_422_and_provisions_nothing_more(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    assert provision(keys.live, live_se.msisdn, idempotency_key="k").status_code == 202
    other = provision(
        keys.live, live_se.msisdn, idempotency_key="k", card_data=card("4012888888881881")
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Credential.objects.count() == 1
