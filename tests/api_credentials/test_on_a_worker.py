"""A bank's whole integration against the sandbox, on a real Celery worker: register a webhook
endpoint, provision a card, poll until it is active, receive the signed `credential.active`
and verify it with the recipe docs/api.md gives banks."""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from mno.models import SecureElement
from tests.api.conftest import Receiver, bearer
from tests.api_credentials.conftest import URL, VISA_PAN, Keys, Provision
from tests.provisioning.helpers import Market, set_network, virtual_se
from tests.workers import CeleryWorkers, Worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(scope="module")
def worker(celery_workers: CeleryWorkers) -> Iterator[Worker]:
    """A worker that may deliver webhooks to this machine's loopback receiver."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true")
        yield celery_workers.start(pool="prefork", concurrency=2)


def documented_verifier() -> Callable[..., bool]:
    match = re.search(r"<!-- snippet: verify -->\s*```python\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/api.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102  # our own docs
    return namespace["verify_enstream_signature"]


def test_a_sandbox_card_goes_active_and_the_bank_hears_of_it_signed(
    worker: Worker,
    api: APIClient,
    provision: Provision,
    keys: Keys,
    market: Market,
    receiver: Callable[..., Receiver],
) -> None:
    set_network(market.northwind, latency_ms=150)
    se: SecureElement = virtual_se(market.northwind, sandbox=True)
    server = receiver([200])
    endpoint = api.post(
        "/api/v1/webhooks",
        {"url": server.url, "event_types": ["credential.active", "credential.failed"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="hook",
        **bearer(keys.sandbox),
    )
    assert endpoint.status_code == 201, endpoint.content
    secret = endpoint.json()["secret"]

    created = provision(keys.sandbox, se.msisdn)
    assert created.status_code == 202
    credential = created.json()["id"]

    def active() -> dict | None:
        answer = api.get(f"{URL}/{credential}", **bearer(keys.sandbox)).json()
        return answer if answer["state"] in ("active", "failed") else None

    answer = wait_until(active, timeout=60, interval=0.25)
    assert answer["state"] == "active", (answer, worker.log_tail())
    assert answer["activated_at"] is not None
    wait_until(lambda: server.requests, timeout=30, interval=0.1)

    headers, raw = server.requests[0]
    assert documented_verifier()(raw, headers["EnStream-Signature"], secret)
    assert not documented_verifier()(raw + b" ", headers["EnStream-Signature"], secret)
    event = json.loads(raw)
    assert (event["type"], event["livemode"]) == ("credential.active", False)
    assert event["data"]["credential"]["id"] == credential
    assert event["data"]["credential"]["last4"] == "1111"
    assert VISA_PAN not in raw.decode()

    job = api.get(f"/api/v1/jobs/{answer['job']['id']}", **bearer(keys.sandbox)).json()
    assert job["state"] == "succeeded"
    # The simulated network's latency is in the step's timing, and the job's.
    assert job["steps"][-1]["duration_ms"] >= 150
    assert job["duration_ms"] >= job["steps"][-1]["duration_ms"]
