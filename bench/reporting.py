"""Unified reporting and month close at scale, on demand: ``python bench/reporting.py``.

Builds its own PostgreSQL database (``--database``, default ``enstream_bench``; dropped and
created afresh), migrates it, and loads ``--events`` usage events (default 10 million) with
COPY over the three months before the current one, for 50 issuers on 5 networks. The rollups
are then rebuilt from the ledger (``usage_rollups_rebuild``, what ``rebuild_rollups`` runs) and
a daily snapshot is written per issuer and network, 100,000 active SSDs in all.

Measured in the same run, best of ``--repeat``:
- the unified monthly report through the application: the EnStream report's figures
  (``enstream_report``) and the whole page as finance gets it (template, SVG charts);
- the baseline: a raw GROUP BY issuer, network, kind over the month's ledger rows;
- the month close of the last month (drafts, then issue) for the 100,000 credentials:
  its time, then its peak Python memory under tracemalloc (a second, traced run) and the
  process's peak resident size.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ISSUERS, NETWORKS, SSDS = 50, 5, 100_000
KINDS = [  # share of the ledger per kind
    ("ota_operation", 0.70),
    ("lifecycle_operation", 0.12),
    ("credential_provisioned", 0.08),
    ("ssd_created", 0.05),
    ("key_rotation", 0.03),
    ("ssd_deleted", 0.02),
]


def _database_url(base: str, name: str) -> tuple[str, str]:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _recreate(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _best(run: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _world(months: list[date]) -> tuple[list[Any], list[Any], Any]:
    from billing.invoices import BillingProfile
    from billing.services import price_plan_create
    from enstream.accounts.models import Organisation, User
    from enstream.accounts.roles import OrgKind, Role
    from issuers.models import (
        AgreementStatus,
        Issuer,
        IssuerKind,
        IssuerStatus,
        LineStatus,
        NetworkLine,
        ResaleAgreement,
    )
    from mno.models import MNO, WholesaleAgreement
    from tests.billing.factories import STANDARD_BANDS, STANDARD_CHARGES

    enstream = Organisation.objects.create(name="EnStream", slug="enstream", kind=OrgKind.ENSTREAM)
    finance = User.objects.create_user(
        "finance@bench.example", "bench", organisation=enstream, role=Role.FINANCE
    )
    plan = price_plan_create(
        actor=finance,
        code="bench",
        name="Bench",
        effective_from=date(2020, 1, 1),
        charges=STANDARD_CHARGES,
        bands=STANDARD_BANDS,
    )
    start, end = months[0] - timedelta(days=400), months[-1] + timedelta(days=800)
    mnos = []
    for n in range(NETWORKS):
        org = Organisation.objects.create(name=f"Network {n}", slug=f"net-{n}", kind=OrgKind.MNO)
        mno = MNO.objects.create(organisation=org, name=f"Network {n}", short_code=f"NET{n}")
        WholesaleAgreement.objects.create(
            mno=mno,
            reference=f"WA-{n}",
            starts_on=start,
            ends_on=end,
            capacity_ssds=10**6,
            capacity_bytes=4 * 10**10,
            price_per_active_ssd_month="0.0800",
            price_per_ota_operation="0.0150",
            price_per_credential_provisioned="0.3500",
        )
        mnos.append(mno)
    issuers = []
    for n in range(ISSUERS):
        org = Organisation.objects.create(name=f"Bank {n}", slug=f"bank-{n}", kind=OrgKind.ISSUER)
        issuer = Issuer.objects.create(
            organisation=org,
            legal_name=f"Bank {n:02d}",
            kind=IssuerKind.BANK,
            status=IssuerStatus.LIVE,
        )
        BillingProfile.objects.create(issuer=issuer, province=random.choice(["ON", "QC", "NS"]))
        agreement = ResaleAgreement.objects.create(
            issuer=issuer,
            number=f"RA-{n}",
            effective_on=start,
            expires_on=end,
            status=AgreementStatus.ACTIVE,
            price_plan=plan,
            activated_at=datetime(2020, 1, 1, 12),
        )
        for mno in mnos:
            NetworkLine.objects.create(
                agreement=agreement,
                mno=mno,
                phase_in_on=start,
                status=LineStatus.LIVE,
                live_from=start,
            )
        issuers.append(issuer)
    return issuers, mnos, finance


def _copy_events(count: int, issuers: list[Any], mnos: list[Any], months: list[date]) -> None:
    """COPY the ledger in chunks of text rows: no ORM, no per-row round trip. Times are local
    (PostgreSQL reads the zone name), spread evenly over the days of the three months."""
    from django.db import connection

    from billing.ledger import month_end

    days = []
    day = months[0]
    while day <= month_end(months[-1]):
        days.append(day)
        day += timedelta(days=1)
    clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    rng = random.Random(7)
    pairs = [f"{i.pk}\t{m.pk}" for i in issuers for m in mnos]
    columns = (
        "idempotency_key, issuer_id, mno_id, kind, quantity, occurred_at, recorded_at, billed_month"
    )
    per_day = -(-count // len(days))
    done = 0
    with connection.cursor() as cursor:
        # A bulk load: the foreign keys are known good (the ids above), so their per-row
        # triggers are skipped for this session; the unique key and indexes stay.
        cursor.execute("SET session_replication_role = replica")
        for day in days:
            chunk = min(per_day, count - done)
            if chunk <= 0:
                break
            prefix, billed = f"{day:%Y-%m-%d} ", f"{day:%Y-%m-01}"
            chosen = rng.choices(kinds, weights, k=chunk)
            where = rng.choices(pairs, k=chunk)
            seconds = [rng.randrange(86_400) for _ in range(chunk)]
            lines = [
                f"bench:{done + n}\t{where[n]}\t{chosen[n]}\t1\t{prefix}{clock[seconds[n]]} "
                f"America/Toronto\t{prefix}00:00:00 America/Toronto\t{billed}\n"
                for n in range(chunk)
            ]
            with cursor.cursor.copy(f"COPY billing_usageevent ({columns}) FROM STDIN") as copy:
                copy.write("".join(lines))
            done += chunk
        cursor.execute("SET session_replication_role = DEFAULT")
    print(f"  {done:,} events over {len(days)} days")


def _snapshots(issuers: list[Any], mnos: list[Any], months: list[date]) -> None:
    from billing.ledger import UsageSnapshot, month_end

    per_pair = SSDS // (len(issuers) * len(mnos))
    day, last = months[0] - timedelta(days=1), month_end(months[-1])
    rows = []
    while day <= last:
        rows += [
            UsageSnapshot(
                day=day,
                issuer=i,
                mno=m,
                active_ssds=per_pair,
                bytes_used=per_pair * 40_000,
                allocated_ssds=per_pair * 2,
                allocated_bytes=per_pair * 80_000,
            )
            for i in issuers
            for m in mnos
        ]
        day += timedelta(days=1)
    UsageSnapshot.objects.bulk_create(rows, batch_size=10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--database", default="enstream_bench")
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench_url, maintenance_url = _database_url(args.server, args.database)
    _recreate(maintenance_url, args.database)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enstream.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from billing.invoices_close import billing_month_close, billing_month_issue
    from billing.ledger import month_end, month_start
    from billing.ledger_services import usage_rollups_rebuild
    from billing.reports import enstream_report
    from billing.reports_forms import ReportRange

    call_command("migrate", verbosity=0)
    this_month = month_start(timezone.localdate())
    months = []
    month = this_month
    for _ in range(3):
        month = month_start(month - timedelta(days=1))
        months.insert(0, month)
    report_month = months[-1]
    print(
        f"bench database {args.database}: {args.events:,} events over "
        f"{months[0]:%Y-%m}..{report_month:%Y-%m}, {ISSUERS} issuers x {NETWORKS} networks"
    )
    issuers, mnos, finance = _world(months)
    started = time.perf_counter()
    _copy_events(args.events, issuers, mnos, months)
    print(f"COPY: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE billing_usageevent")
    rebuilt = usage_rollups_rebuild()
    print(
        f"rollups rebuilt from the ledger: {rebuilt.rows:,} rows in "
        f"{time.perf_counter() - started:.1f} s"
    )
    _snapshots(issuers, mnos, months)

    rng = ReportRange(report_month, month_end(report_month), None)
    low = timezone.make_aware(datetime.combine(report_month, datetime.min.time()))
    high = timezone.make_aware(
        datetime.combine(month_end(report_month) + timedelta(days=1), datetime.min.time())
    )

    def raw_group_by() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT issuer_id, mno_id, kind, sum(quantity), count(*) FROM billing_usageevent "
                "WHERE occurred_at >= %s AND occurred_at < %s GROUP BY 1, 2, 3",
                [low, high],
            )
            return cursor.fetchall()

    client = Client()
    from tests.accounts.helpers import login_verified

    login_verified(client, finance)
    page_params = {"start": f"{rng.start}", "end": f"{rng.end}"}

    def page() -> None:
        response = client.get("/billing/reports/", page_params, secure=True)
        assert response.status_code == 200, (response.status_code, response.get("Location"))

    enstream_report(rng)  # warm the caches both sides get
    raw_group_by()
    app = _best(lambda: enstream_report(rng), args.repeat)
    whole_page = _best(page, args.repeat)
    raw = _best(raw_group_by, args.repeat)
    month_events = sum(row[4] for row in raw_group_by())
    print(f"month {report_month:%Y-%m}: {month_events:,} ledger rows")
    print(f"raw GROUP BY over the ledger:  {raw * 1000:9.1f} ms")
    print(f"report figures (rollups):      {app * 1000:9.1f} ms   ratio {raw / app:6.1f}x")
    print(
        f"report page (figures + HTML):  {whole_page * 1000:9.1f} ms   ratio "
        f"{raw / whole_page:6.1f}x"
    )

    started = time.perf_counter()
    draft = billing_month_close(month=report_month, actor=finance)
    issued = billing_month_issue(month=report_month, actor=finance, revision=draft.revision)
    elapsed = time.perf_counter() - started
    assert issued.outcome == "issued", issued.message
    print(
        f"month close of {report_month:%Y-%m} ({SSDS:,} active SSDs, "
        f"{draft.invoices} invoices, {draft.settlements} statements): drafts + issue "
        f"{elapsed:.2f} s"
    )
    from billing.invoices import Invoice
    from billing.ledger import BillingMonth
    from billing.settlements import Settlement

    # The traced run: the same close from scratch (a second month, drafts only).
    previous = months[-2]
    tracemalloc.start()
    started = time.perf_counter()
    billing_month_close(month=previous, actor=finance)
    traced = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"month close of {previous:%Y-%m} under tracemalloc: {traced:.2f} s, peak "
        f"{peak / 2**20:.1f} MiB of Python objects; process peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    assert Invoice.objects.filter(month=previous).count() == ISSUERS
    assert Settlement.objects.filter(month=report_month, number__isnull=False).count() == NETWORKS
    assert BillingMonth.objects.get(month=report_month).is_issued


if __name__ == "__main__":
    main()
