"""Provisioning throughput and latency hiding, on demand: ``python bench/provisioning.py``.

Builds its own PostgreSQL database (``--database``, default ``enstream_bench_provisioning``;
dropped and created afresh) and uses its own Redis database (``--redis``), migrates, creates
an issuer live on one simulated network with an approved allocation, and a virtual SIM fleet
(``mno.fleet``: its realistic mix; only eligible SIMs are used). One Celery worker with
``--processes`` pool processes (default 2) serves every phase.

Measured in the same run:

1. a trivial Celery task's throughput on that worker (one Redis INCR per task);
2. end-to-end provisioning throughput at zero network latency: ``--throughput-count``
   credentials accepted in one transaction (their jobs start together when it commits), timed
   until every one is active on its SIM; the ratio to (1) is printed (aim: 0.25 or better);
3. ``--count`` provisionings (default 2,000) with a uniform ``--latency-min-ms`` to
   ``--latency-max-ms`` (1-3 s) per network round trip: the completion time against the ideal
   max(latency chain, N / throughput of (2)); the ratio is printed (aim: 1.2 or lower).

The request side (``credential_provision``: checks, sealing, queueing) runs in this process
and is timed apart; the worker side is what the phases measure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOOP_TASK = "bench.provisioning.noop"
COUNTER_KEY = "bench:provisioning:noop"


def _database_url(base: str, name: str) -> tuple[str, str]:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _recreate(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _noop_task() -> Any:
    """The baseline task, registered in the worker through ``-I bench.provisioning``."""
    import redis

    from enstream.celery import app

    client = redis.Redis.from_url(os.environ["REDIS_URL"])

    @app.task(name=NOOP_TASK, ignore_result=True)
    def noop() -> None:
        client.incr(COUNTER_KEY)

    return noop


if os.environ.get("BENCH_PROVISIONING_WORKER"):
    noop = _noop_task()


def _world(fleet: int) -> tuple[Any, Any]:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from billing.services import price_plan_create
    from enstream.accounts.models import Organisation, User
    from enstream.accounts.roles import OrgKind, Role
    from issuers.models import (
        AgreementStatus,
        Allocation,
        AllocationStatus,
        Issuer,
        IssuerKind,
        IssuerStatus,
        LineStatus,
        NetworkLine,
        ResaleAgreement,
    )
    from mno.fleet import fleet_create
    from mno.models import MNO, ConnectionSettings, NetworkCode, WholesaleAgreement
    from tests.billing.factories import STANDARD_BANDS, STANDARD_CHARGES

    today = timezone.localdate()
    enstream = Organisation.objects.create(name="EnStream", slug="enstream", kind=OrgKind.ENSTREAM)
    finance = User.objects.create_user(
        "finance@bench.example", "bench", organisation=enstream, role=Role.FINANCE
    )
    plan = price_plan_create(
        actor=finance,
        code="bench",
        name="Bench",
        effective_from=(today - timedelta(days=400)).replace(day=1),
        charges=STANDARD_CHARGES,
        bands=STANDARD_BANDS,
    )
    mno_org = Organisation.objects.create(
        name="Bench Mobile", slug="bench-mobile", kind=OrgKind.MNO
    )
    mno = MNO.objects.create(organisation=mno_org, name="Bench Mobile", short_code="BENCH")
    NetworkCode.objects.create(mno=mno, mcc="302", mnc="990")
    WholesaleAgreement.objects.create(
        mno=mno,
        reference="WA-BENCH",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        capacity_ssds=10_000_000,
        capacity_bytes=10**15,
        price_per_active_ssd_month=Decimal("0.05"),
        price_per_ota_operation=Decimal("0.001"),
        price_per_credential_provisioned=Decimal("0.10"),
    )
    ConnectionSettings.objects.create(mno=mno, parameters={})
    bank = Organisation.objects.create(name="Bench Bank", slug="bench-bank", kind=OrgKind.ISSUER)
    issuer = Issuer.objects.create(
        organisation=bank,
        legal_name="Bench Bank",
        kind=IssuerKind.BANK,
        payment_networks=["visa"],
        status=IssuerStatus.LIVE,
    )
    agreement = ResaleAgreement.objects.create(
        issuer=issuer,
        number="RA-BENCH",
        effective_on=today - timedelta(days=30),
        expires_on=today + timedelta(days=365),
        status=AgreementStatus.ACTIVE,
        price_plan=plan,
        activated_at=timezone.now(),
    )
    line = NetworkLine.objects.create(
        agreement=agreement,
        mno=mno,
        phase_in_on=today - timedelta(days=30),
        status=LineStatus.LIVE,
        live_from=today - timedelta(days=30),
    )
    Allocation.objects.create(
        network_line=line,
        nv_quota_bytes=32_000,
        v_quota_bytes=8_000,
        privileges=["authorized_management"],
        expected_ssds=fleet,
        status=AllocationStatus.APPROVED,
        approved_cap=fleet,
    )
    fleet_create(mno=mno, count=fleet, seed=2026)
    return issuer, mno


def _eligible_lines(mno: Any, count: int) -> list[str]:
    from mno.models import SecureElement

    lines = list(
        SecureElement.objects.filter(mno=mno, nfc_capable=True, free_nv_bytes__gte=40_000)
        .order_by("iccid")
        .values_list("msisdn", flat=True)
    )
    if len(lines) < count:
        raise SystemExit(f"only {len(lines)} eligible SIMs for {count} provisionings")
    return lines[:count]


def _network(mno: Any, **parameters: Any) -> None:
    from mno.models import ConnectionSettings

    ConnectionSettings.objects.filter(mno=mno).update(parameters=parameters)


def _start_worker(processes: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "enstream", "worker", "-P", "prefork",
        "-c", str(processes), "--without-mingle", "--without-gossip", "--without-heartbeat",
        "-n", f"bench-{uuid.uuid4().hex[:8]}@%h", "-I", "bench.provisioning",
        "-l", os.environ.get("BENCH_WORKER_LOG_LEVEL", "WARNING"),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    from enstream.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5)
        if replies:
            return process
    process.kill()
    raise SystemExit(f"the worker did not start; see {log}")


def _trivial(count: int) -> float:
    import redis

    from enstream.celery import app

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(COUNTER_KEY)
    started = time.perf_counter()
    for _ in range(count):
        app.send_task(NOOP_TASK)
    while int(client.get(COUNTER_KEY) or 0) < count:
        time.sleep(0.01)
    return count / (time.perf_counter() - started)


def _provision_all(issuer: Any, lines: list[str]) -> tuple[list[Any], float, float]:
    """Accept one credential per line in one transaction; their jobs start at commit. Returns
    the jobs, the request side's mean time per credential, and the commit moment."""
    from django.db import transaction

    from provisioning.carddata import CardData
    from provisioning.services import credential_provision

    card = CardData("4111111111111111", 12, 2030, "BENCH CARDHOLDER")
    jobs = []
    began = time.perf_counter()
    with transaction.atomic():
        for msisdn in lines:
            _, job = credential_provision(
                issuer=issuer,
                msisdn=msisdn,
                scheme="visa",
                applet_profile="visa_vsdc",
                card_data=card,
                sandbox=False,
            )
            jobs.append(job.pk)
        request_ms = (time.perf_counter() - began) / len(lines) * 1000
    return jobs, request_ms, time.perf_counter()


def _wait(jobs: list[Any], *, timeout: float) -> tuple[float, dict[str, int]]:
    from django.db.models import Count

    from provisioning.engine.redrive import jobs_redrive
    from provisioning.models import TERMINAL_STATES, Job

    deadline = time.monotonic() + timeout
    last_redrive = 0.0
    while True:
        open_jobs = Job.objects.filter(pk__in=jobs).exclude(state__in=TERMINAL_STATES).count()
        if not open_jobs:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"{open_jobs} jobs still open after {timeout} s")
        if time.monotonic() - last_redrive > 30:
            jobs_redrive()  # what Celery beat does in production
            last_redrive = time.monotonic()
        time.sleep(0.2)
    finished = time.perf_counter()
    states = dict(Job.objects.filter(pk__in=jobs).values_list("state").annotate(n=Count("id")))
    return finished, states


def _round_trips(jobs: list[Any]) -> float:
    from django.db.models import Avg

    from provisioning.models import Job

    return Job.objects.filter(pk__in=jobs).aggregate(rt=Avg("seq"))["rt"] or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="enstream_bench_provisioning")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--throughput-count", type=int, default=300)
    parser.add_argument("--trivial-count", type=int, default=3000)
    parser.add_argument("--latency-min-ms", type=int, default=1000)
    parser.add_argument("--latency-max-ms", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    bench_url, maintenance_url = _database_url(args.database_url, args.database)
    _recreate(maintenance_url, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_URL": args.redis,
        "CELERY_BROKER_URL": args.redis,
        "CELERY_RESULT_BACKEND": args.redis,
        "DJANGO_SETTINGS_MODULE": "enstream.settings",
        # As in production: DEBUG keeps every SQL query in memory and formats it.
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        # Nothing is lost on this network: only a true loss may time out.
        "PROVISIONING_REPLY_TIMEOUT_SECONDS": "3600",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from enstream.celery import app

    call_command("migrate", verbosity=0)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    fleet = int((args.count + args.throughput_count) * 1.3) + 50
    started = time.perf_counter()
    issuer, mno = _world(fleet)
    lines = _eligible_lines(mno, args.count + args.throughput_count)
    print(f"setup: {fleet} virtual SIMs in {time.perf_counter() - started:.0f} s")

    log = Path(tempfile.gettempdir()) / f"bench-provisioning-{os.getpid()}.log"
    worker = _start_worker(args.processes, {**env, "BENCH_PROVISIONING_WORKER": "1"}, log)
    try:
        trivial = _trivial(args.trivial_count)
        print(f"trivial task: {trivial:,.0f} tasks/s on {args.processes} processes")

        _network(mno)
        jobs, request_ms, t0 = _provision_all(issuer, lines[: args.throughput_count])
        t1, states = _wait(jobs, timeout=3600)
        throughput = len(jobs) / (t1 - t0)
        print(
            f"provisioning, zero latency: {throughput:,.1f} provisionings/s "
            f"({len(jobs)} in {t1 - t0:.1f} s; {states}; "
            f"{_round_trips(jobs):.2f} round trips each; request side {request_ms:.1f} ms each)"
        )
        print(f"  ratio to the trivial task: {throughput / trivial:.3f} (aim >= 0.25)")

        low, high = args.latency_min_ms, args.latency_max_ms
        _network(mno, latency_distribution="uniform", latency_min_ms=low, latency_max_ms=high)
        jobs, request_ms, t0 = _provision_all(issuer, lines[args.throughput_count :])
        t1, states = _wait(jobs, timeout=6 * 3600)
        took = t1 - t0
        round_trips = _round_trips(jobs)
        chain = round_trips * (low + high) / 2 / 1000
        ideal = max(chain, len(jobs) / throughput)
        print(
            f"provisioning, {low}-{high} ms per round trip: {len(jobs)} in {took:.1f} s "
            f"({states}; {round_trips:.2f} round trips each)"
        )
        print(
            f"  ideal max(latency chain {chain:.1f} s, N / throughput "
            f"{len(jobs) / throughput:.1f} s) = {ideal:.1f} s; "
            f"ratio {took / ideal:.3f} (aim <= 1.2)"
        )
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)


if __name__ == "__main__":
    main()
