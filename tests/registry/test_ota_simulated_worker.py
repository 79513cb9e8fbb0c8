"""The simulated network on a real Celery worker: latency, loss, errors, stop on error, and a
worker that is free while scripts travel."""

import time

import pytest

from mno.fleet import fleet_create
from mno.models import MNO, ConnectionSettings
from mno.ota.models import ExchangeState, OtaExchange
from mno.ota.services import ota_submit
from mno.registry import Scp, SecureElement
from tests.mno.factories import MnoFactory
from tests.registry import reply_recorder
from tests.workers import CeleryWorkers, Worker, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GET_CARD_DATA = bytes.fromhex("80CA006600")
SELECT_ISD = bytes.fromhex("00A4040008A000000151000000")
SELECT_MISSING = bytes.fromhex("00A4040005A000000999")


@pytest.fixture(scope="module")
def recorder_worker(celery_workers: CeleryWorkers) -> Worker:
    # One process: the test that two exchanges travel at once depends on it.
    return celery_workers.start(
        pool="solo", concurrency=1, include=["tests.registry.reply_recorder"]
    )


@pytest.fixture
def network(recorder_worker: Worker) -> MNO:
    reply_recorder.forget()
    mno = MnoFactory(short_code="SIM")
    fleet_create(mno=mno, count=4, seed=11)
    return mno


def configure(mno: MNO, **parameters: object) -> None:
    ConnectionSettings.objects.update_or_create(
        mno=mno, defaults={"adapter_kind": "simulated", "parameters": parameters}
    )


def an_se(mno: MNO, index: int = 0) -> SecureElement:
    return SecureElement.objects.filter(mno=mno, scp=Scp.SCP03).order_by("iccid")[index]


def submit(se: SecureElement, correlation: str, script: list[bytes], **options: object):
    return ota_submit(
        se=se,
        script=script,
        correlation=correlation,
        reply_task=reply_recorder.TASK,
        **options,
    )


def settled(exchange: OtaExchange) -> OtaExchange | None:
    exchange.refresh_from_db()
    return exchange if exchange.state != ExchangeState.SUBMITTED else None


def test_a_script_comes_back_after_the_latency_and_wakes_the_sender(network: MNO) -> None:
    configure(network, latency_distribution="fixed", latency_ms=300)
    exchange = submit(an_se(network), "job-1:1:1", [GET_CARD_DATA, SELECT_ISD])

    wait_until(lambda: str(exchange.pk) in reply_recorder.recorded(), timeout=15)
    exchange.refresh_from_db()
    assert exchange.state == ExchangeState.DELIVERED
    assert [r[-4:] for r in exchange.responses] == ["9000", "9000"]
    assert exchange.responses[1].startswith("6f")  # the ISD's FCI
    assert exchange.latency_ms >= 300
    assert exchange.script == []
    assert exchange.command_count == 2


def test_a_lost_script_never_answers(network: MNO) -> None:
    configure(network, latency_ms=50, loss_rate=1, loss_executes_rate=0)
    se = an_se(network)
    version_before = se.virtual_card.version
    exchange = submit(se, "job-2:1:1", [GET_CARD_DATA])

    lost = wait_until(lambda: settled(exchange), timeout=15)
    time.sleep(0.5)  # time enough for a reply that should never be sent
    assert lost.state == ExchangeState.LOST
    assert lost.error_code == "ota_no_answer"
    assert reply_recorder.recorded() == []
    se.virtual_card.refresh_from_db()
    assert se.virtual_card.version == version_before


def test_a_refused_script_answers_with_an_error_and_leaves_the_card_alone(network: MNO) -> None:
    configure(network, latency_ms=50, error_rate=1)
    se = an_se(network)
    version_before = se.virtual_card.version
    exchange = submit(se, "job-3:1:1", [GET_CARD_DATA])

    wait_until(lambda: str(exchange.pk) in reply_recorder.recorded(), timeout=15)
    exchange.refresh_from_db()
    assert exchange.state == ExchangeState.FAILED
    assert exchange.error_code in ("card_busy", "se_unreachable")
    assert exchange.responses == []
    se.virtual_card.refresh_from_db()
    assert se.virtual_card.version == version_before


def test_a_script_stops_at_the_first_error_unless_told_to_go_on(network: MNO) -> None:
    configure(network, latency_ms=50)
    se = an_se(network)
    stopped = submit(se, "job-4:1:1", [SELECT_MISSING, GET_CARD_DATA])
    went_on = submit(se, "job-4:1:2", [SELECT_MISSING, GET_CARD_DATA], stop_on_error=False)

    wait_until(lambda: len(reply_recorder.recorded()) == 2, timeout=15)
    stopped.refresh_from_db()
    went_on.refresh_from_db()
    assert stopped.responses == ["6a82"]
    assert [r[-4:] for r in went_on.responses] == ["6a82", "9000"]
    assert stopped.state == went_on.state == ExchangeState.DELIVERED


def test_the_worker_is_free_while_scripts_travel(network: MNO) -> None:
    configure(network, latency_ms=1000)
    first = submit(an_se(network, 0), "job-5:1:1", [GET_CARD_DATA])
    second = submit(an_se(network, 1), "job-6:1:1", [GET_CARD_DATA])

    wait_until(lambda: len(reply_recorder.recorded()) == 2, timeout=15)
    for exchange in (first, second):
        exchange.refresh_from_db()
        assert exchange.state == ExchangeState.DELIVERED
    # One worker process and two 1 s journeys: a worker that slept through each journey would
    # deliver the second a whole journey after the first; travelling together, they land close.
    gap = abs(second.delivered_at - first.delivered_at).total_seconds()
    assert gap < 0.8, f"the second delivery came {gap:.2f} s after the first"
