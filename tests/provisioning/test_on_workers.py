"""Provisioning on real Celery worker processes: end to end, kill -9 mid-step, concurrency.

Workers run with short leases and timeouts so that a crash is recovered in seconds; the test
process plays Celery beat by calling the re-drive while it waits.
"""

import itertools
import random
import time
from collections.abc import Callable, Iterator

import pytest

from mno.models import SecureElement
from provisioning.engine.redrive import jobs_redrive
from provisioning.gp.registry import LifeCycle
from provisioning.models import Credential, CredentialState, Job, JobState
from provisioning.services import credential_provision
from tests.provisioning.helpers import (
    MASTERCARD_PAN,
    VISA_PAN,
    Market,
    card_of,
    database_contains,
    set_network,
    virtual_se,
    visa,
)
from tests.workers import CeleryWorkers, Worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "PROVISIONING_LEASE_SECONDS": "2",
    # Far above a busy test machine's worst queueing delay, so only lost scripts time out.
    "PROVISIONING_REPLY_TIMEOUT_SECONDS": "10",
    "PROVISIONING_RETRY_BASE_SECONDS": "0.2",
    "PROVISIONING_REDRIVE_GRACE_SECONDS": "1",
}


@pytest.fixture(scope="module")
def workers(celery_workers: CeleryWorkers) -> Iterator[CeleryWorkers]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in WORKER_ENV.items():
            patch.setenv(name, value)
        yield celery_workers


@pytest.fixture(scope="module")
def worker(workers: CeleryWorkers) -> Worker:
    return workers.start(pool="prefork", concurrency=2)


@pytest.fixture(autouse=True)
def engine_settings(settings: object) -> None:
    # The test process re-drives as beat would, with the workers' timings.
    for name, value in WORKER_ENV.items():
        setattr(settings, name, float(value))


def wait_for(predicate: Callable[[], object], *, timeout: float) -> None:
    """Poll, re-driving every half second as Celery beat would."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not done after {timeout} s")
        jobs_redrive()
        time.sleep(0.5)


def _provision(market: Market, se: SecureElement, pan: str = VISA_PAN) -> tuple:
    scheme, profile = (
        ("visa", "visa_vsdc")
        if pan.startswith("4")
        else (
            "mastercard",
            "mastercard_mchip",
        )
    )
    return credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme=scheme,
        applet_profile=profile,
        card_data=visa(pan),
        sandbox=False,
    )


def _ended(*jobs: Job) -> Callable[[], bool]:
    ids = [j.pk for j in jobs]

    def ended() -> bool:
        return (
            not Job.objects.filter(pk__in=ids)
            .exclude(state__in=(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED))
            .exists()
        )

    return ended


def _one_of_each(se: SecureElement, credential: Credential) -> None:
    content = card_of(se)._content
    ssds = [a for a in content.applications.values() if a.is_sd and a.aid != content.isd_aid]
    apps = [a for a in content.applications.values() if not a.is_sd]
    assert [a.aid for a in ssds] == [credential.domain.aid_bytes]
    assert [a.aid for a in apps] == [credential.instance_aid_bytes]
    assert apps[0].lifecycle == LifeCycle.PERSONALIZED


def test_a_worker_provisions_a_card_and_the_database_keeps_no_card_data(
    worker: Worker, market: Market
) -> None:
    se = virtual_se(market.northwind)
    credential, job = _provision(market, se)
    wait_for(_ended(job), timeout=30)
    job.refresh_from_db()
    credential.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (
        job.failure_code,
        job.failure_message,
        worker.log_tail(),
    )
    assert credential.state == CredentialState.ACTIVE
    _one_of_each(se, credential)
    assert database_contains(VISA_PAN) == []


def test_a_worker_killed_mid_step_is_replaced_and_the_job_finishes_once(
    workers: CeleryWorkers, worker: Worker, market: Market
) -> None:
    """kill -9 while scripts are in flight (their delivery tasks die with the worker) and
    again at random moments; a new worker finishes every job, with one SSD and one applet
    per card."""
    set_network(market.northwind, latency_ms=1500)
    ses = [virtual_se(market.northwind) for _ in range(4)]
    started = [_provision(market, se) for se in ses]
    jobs = [job for _, job in started]
    victim = worker
    deadline = time.monotonic() + 20
    ids = [j.pk for j in jobs]
    while Job.objects.filter(pk__in=ids, state=JobState.AWAITING_REPLY).count() < len(jobs):
        assert time.monotonic() < deadline, victim.log_tail()
        time.sleep(0.02)
    # Every script is in flight: the worker holds their deliveries (countdown tasks). They
    # die with it and come back only after the broker's visibility timeout (an hour).
    time.sleep(0.2)
    victim = workers.replace(victim, pool="prefork", concurrency=2)
    for _ in range(2):
        time.sleep(random.uniform(0.05, 0.6))
        victim = workers.replace(victim, pool="prefork", concurrency=2)
    wait_for(_ended(*jobs), timeout=120)
    for (credential, job), se in zip(started, ses, strict=True):
        job.refresh_from_db()
        credential.refresh_from_db()
        assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
        _one_of_each(se, credential)
    # Scripts whose delivery died with a worker were recovered through the job's own
    # timeout: the card was read (a probe), the step rebuilt.
    recovered = [j for j in jobs if j.steps.filter(outcome="retry", error_code="ota_timeout")]
    assert recovered
    assert all(j.steps.filter(name="probe").exists() for j in recovered)


def test_jobs_for_one_sim_run_one_at_a_time_in_order(worker: Worker, market: Market) -> None:
    set_network(market.northwind, latency_ms=150)
    se = virtual_se(market.northwind)
    jobs = [_provision(market, se, pan)[1] for pan in (VISA_PAN, MASTERCARD_PAN)]
    second_visa = "4012888888881881"
    jobs.append(_provision(market, se, second_visa)[1])
    wait_for(_ended(*jobs), timeout=60)
    ordered = list(Job.objects.filter(pk__in=[j.pk for j in jobs]).order_by("started_at"))
    assert [j.state for j in ordered] == [JobState.SUCCEEDED] * 3
    assert [j.pk for j in ordered] == [j.pk for j in jobs]  # first come, first served
    for before, after in itertools.pairwise(ordered):
        assert before.finished_at <= after.started_at
    apps = [a for a in card_of(se)._content.applications.values() if not a.is_sd]
    assert len(apps) == 3


def test_many_sims_progress_together(worker: Worker, market: Market) -> None:
    """With 300 ms per round trip, provisionings of many SIMs on two processes run side by
    side: a worker hands a script to the network and takes the next job, it never waits."""
    set_network(market.northwind, latency_ms=300)
    ses = [virtual_se(market.northwind) for _ in range(12)]
    began = time.monotonic()
    jobs = [_provision(market, se)[1] for se in ses]
    wait_for(_ended(*jobs), timeout=90)
    elapsed = time.monotonic() - began
    done = Job.objects.filter(pk__in=[j.pk for j in jobs])
    outcomes = set(done.values_list("state", "failure_code", "failure_message"))
    assert {state for state, _, _ in outcomes} == {JobState.SUCCEEDED}, outcomes
    spans = [(j.started_at, j.finished_at) for j in done]
    # At the busiest moment most jobs were in flight at once ...
    overlapping = max(sum(1 for s, f in spans if s <= t < f) for t, _ in spans)
    assert overlapping >= 6
    # ... and together they took far less time than one after the other.
    serial = sum((f - s).total_seconds() for s, f in spans)
    assert serial > 3 * elapsed
