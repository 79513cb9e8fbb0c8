"""The credential API under load, on demand: ``python bench/api.py``.

Builds its own PostgreSQL database (``--database``, default ``enstream_bench_api``; dropped
and created afresh), migrates it, seeds the demo (Maple Bank with SE space on Northwind) and
a sandbox fleet on Northwind, and makes a sandbox key of Maple's with every scope. Then it
serves the portal with gunicorn (``--workers`` sync workers, DEBUG off, Redis as the broker
so each accepted card really queues its job) and loads it from a separate process over
loopback HTTP/1.1 keep-alive connections (threads with http.client), in the same run:

- ``POST /api/v1/credentials`` (sandbox key, a new card and Idempotency-Key each time);
- ``GET /api/v1/credentials/{id}`` on the cards just created;
- the baseline: a bare DRF endpoint (no authentication, no throttle, a constant answer)
  through the same gunicorn, middleware and URL resolver.

Each is first driven closed-loop at ``--concurrency`` to find its highest rate, then paced
open-loop at 80% of that rate to read p50/p99 latency there. Prints requests per second,
p50/p99 and the ratio to the baseline (aim: >= 0.25 for the POST, >= 0.5 for the GET, p99
under 50 ms at 80% of the highest rate). Bounded: ``--requests`` per run and ``--seconds``
at most per run.

The load generator runs as ``python bench/api.py load ...`` (JSON on stdout).

Figures (docs/api.md, "Performance", has the table and where the time goes): 2026-11-28, 2
cores, ``python bench/api.py --database enstream_bench_apiperf``: before, bare 1452 req/s,
POST 36 (ratio 0.02), GET 201 (0.14); after the request-path work, bare 1308, POST 75 (0.06),
GET 235 (0.18). The aims are not met yet.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BARE = "/bench/bare"
AIMS = {"POST /api/v1/credentials": 0.25, "GET /api/v1/credentials/{id}": 0.5}
P99_AIM_MS = 50.0


# --- the server side: the portal's URLs plus the bare endpoint -------------------------------


def wsgi_app() -> Any:
    """gunicorn 'bench.api:wsgi_app()': the portal, resolving URLs through this module."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enstream.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


def __getattr__(name: str) -> Any:
    # Django reads `urlpatterns` from ROOT_URLCONF once set up; built lazily so that the load
    # generator, which imports no Django, can use this module too.
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from enstream.urls import urlpatterns as portal

    class Bare(APIView):
        authentication_classes: list[Any] = []
        permission_classes: list[Any] = []
        throttle_classes: list[Any] = []

        def get(self, request: Any) -> Response:
            return Response({"id": "00000000-0000-4000-8000-000000000000", "state": "active"})

    return [path(BARE.lstrip("/"), Bare.as_view()), *portal]


# --- the load generator (its own process) ----------------------------------------------------


def _load(args: argparse.Namespace) -> None:
    """Send requests from `--plan` (a JSON file: a list of [method, path, body or null]) over
    keep-alive connections; print latencies and the achieved rate as JSON."""
    plan = json.loads(Path(args.plan).read_text())[: args.requests]
    host, port = args.host, args.port
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(plan)))
    interval = 1.0 / args.rate if args.rate else 0.0
    started = time.perf_counter()
    deadline = started + args.seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                index = next(cursor, None)
            if index is None or time.perf_counter() > deadline:
                break
            if interval:
                # Open loop: request n is due at start + n / rate, whatever came before.
                delay = started + index * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            method, path, body = plan[index]
            extra = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
            sent = time.perf_counter()
            conn.request(method, path, json.dumps(body) if body else None, {**headers, **extra})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - sent) * 1000)
            codes[response.status] = codes.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"latencies": latencies, "statuses": statuses, "elapsed": elapsed}))


# --- the run ---------------------------------------------------------------------------------


def _database_url(base: str, name: str) -> tuple[str, str]:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _recreate(maintenance_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict[str, str], *command: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _seed(count: int) -> tuple[str, list[str]]:
    """A sandbox key of Maple's and the sandbox numbers it may provision on."""
    import django

    django.setup()
    from enstream.accounts.models import Organisation, User
    from enstream.apikeys.models import ApiKey
    from enstream.apikeys.services import apikey_create
    from issuers.models import Issuer
    from mno.fleet import fleet_create
    from mno.models import MNO, SecureElement
    from provisioning.services import se_eligibility

    northwind = MNO.objects.get(short_code="NWM")
    fleet_create(mno=northwind, count=count, sandbox=True, seed=7)
    maple = Organisation.objects.get(slug="maple")
    issuer = Issuer.objects.get(organisation=maple)
    numbers = [
        n
        for n in SecureElement.objects.filter(sandbox=True, mno=northwind).values_list(
            "msisdn", flat=True
        )
        if se_eligibility(issuer=issuer, msisdn=n, sandbox=True).eligible
    ]
    key, raw = apikey_create(
        organisation=maple,
        name="bench",
        scopes=("read", "provision", "lifecycle", "webhooks"),
        created_by=User.objects.get(email="admin@maple.example"),
        mode="sandbox",
    )
    ApiKey.objects.filter(pk=key.pk).update(rate_limit="1000000/minute")
    return raw, numbers


def _visa(n: int) -> str:
    from mno.identifiers import luhn_check_digit

    body = f"4{n:014d}"
    return body + luhn_check_digit(body)


def _purge(redis_url: str) -> None:
    """The queued jobs (no worker runs them here) and the rate-limit counters: the bench's own
    Redis db, emptied so that a later run starts clean."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


class Loader:
    def __init__(self, port: int, key: str, options: argparse.Namespace) -> None:
        self.port, self.key, self.options = port, key, options
        self.folder = Path(options.workdir)

    def run(self, name: str, plan: list[Any], *, rate: float = 0.0) -> dict[str, Any]:
        plan_file = self.folder / f"{name}.json"
        plan_file.write_text(json.dumps(plan))
        command = [
            sys.executable, __file__, "load", "--host", "127.0.0.1", "--port", str(self.port),
            "--key", self.key, "--plan", str(plan_file), "--requests", str(len(plan)),
            "--concurrency", str(self.options.concurrency), "--seconds", str(self.options.seconds),
            "--rate", str(rate),
        ]  # fmt: skip
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout)
        latencies = sorted(result["latencies"])
        return {
            "rps": len(latencies) / result["elapsed"],
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "statuses": result["statuses"],
            "count": len(latencies),
        }


def _report(name: str, peak: dict, paced: dict, baseline: dict | None) -> str:
    ratio = f"{peak['rps'] / baseline['rps']:.2f}" if baseline else "-"
    aim = AIMS.get(name)
    verdict = "" if aim is None else (" ok" if peak["rps"] / baseline["rps"] >= aim else " LOW")
    p99_verdict = " ok" if paced["p99"] < P99_AIM_MS else " HIGH"
    return (
        f"{name:32} {peak['rps']:8.0f} req/s  p50 {peak['p50']:6.1f} ms  p99 {peak['p99']:6.1f} ms"
        f"  | at 80%: {paced['rps']:6.0f} req/s p50 {paced['p50']:5.1f} ms p99 "
        f"{paced['p99']:5.1f} ms{p99_verdict}  | ratio {ratio}{verdict}  {peak['statuses']}"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    load = sub.add_parser("load")
    for flag, kind in (("--host", str), ("--port", int), ("--key", str), ("--plan", str)):
        load.add_argument(flag, type=kind, required=True)
    load.add_argument("--requests", type=int, required=True)
    load.add_argument("--concurrency", type=int, default=8)
    load.add_argument("--seconds", type=float, default=60)
    load.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--database", default="enstream_bench_api")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workdir", default=str(ROOT / "var" / "bench-api"))
    options = parser.parse_args(argv)
    if options.command == "load":
        _load(options)
        return

    url, maintenance = _database_url(options.database_url, options.database)
    _recreate(maintenance, options.database)
    Path(options.workdir).mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": options.redis_url,
        "DJANGO_SETTINGS_MODULE": "enstream.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + uuid.uuid4().hex),
        "ENSTREAM_SSL_REDIRECT": "false",
        "ENSTREAM_LOG_LEVEL": "WARNING",
        "ENSTREAM_DATA_DIR": str(Path(options.workdir) / "data"),
    }
    print(f"database {options.database}: migrating and seeding the demo ...", flush=True)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    os.environ.update(env)
    key, numbers = _seed(max(options.requests // 10, 50))
    print(f"{len(numbers)} eligible sandbox SIMs; gunicorn, {options.workers} workers", flush=True)

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "bench.api:wsgi_app()", "-b", f"127.0.0.1:{port}",
            "-w", str(options.workers), "--log-level", "warning",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_up(port)
        loader = Loader(port, key, options)
        n = options.requests
        bare_plan = [["GET", BARE, None]] * n
        post_plan = [
            [
                "POST",
                "/api/v1/credentials",
                {
                    "msisdn": numbers[i % len(numbers)],
                    "scheme": "visa",
                    "applet_profile": "visa_vsdc",
                    "card_data": {
                        "pan": _visa(i),
                        "expiry_month": 12,
                        "expiry_year": 2031,
                        "cardholder_name": "BENCH CARDHOLDER",
                    },
                },
            ]
            for i in range(2 * n)
        ]
        loader.run("warm-up", bare_plan[:200])
        results: dict[str, tuple[dict, dict]] = {}
        peak = loader.run("bare", bare_plan)
        paced = loader.run("bare-80", bare_plan, rate=0.8 * peak["rps"])
        results["GET bare DRF endpoint"] = (peak, paced)
        peak = loader.run("post", post_plan[:n])
        paced = loader.run("post-80", post_plan[n:], rate=0.8 * peak["rps"])
        results["POST /api/v1/credentials"] = (peak, paced)
        from django.db import connections

        connections.close_all()
        from provisioning.models import Credential

        ids = [str(pk) for pk in Credential.objects.values_list("pk", flat=True)[:n]]
        get_plan = [["GET", f"/api/v1/credentials/{ids[i % len(ids)]}", None] for i in range(n)]
        peak = loader.run("get", get_plan)
        paced = loader.run("get-80", get_plan, rate=0.8 * peak["rps"])
        results["GET /api/v1/credentials/{id}"] = (peak, paced)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _purge(options.redis_url)
    baseline = results["GET bare DRF endpoint"][0]
    print()
    for name, (peak, paced) in results.items():
        print(_report(name, peak, paced, None if name.startswith("GET bare") else baseline))


if __name__ == "__main__":
    main(sys.argv[1:])
