"""Demo virtual SIMs: a seeded fleet on each demo network, and a sandbox fleet on Northwind.

Called after `mno.demo.seed` (the networks must exist); seeded, so running it twice adds
nothing. Wire it with one line at the end of `mno.demo.seed`: `fleet_demo.seed(stdout=stdout)`.
"""

import zlib
from typing import Any

from mno.fleet import fleet_create
from mno.models import MNO

PER_NETWORK = 100
SANDBOX_NETWORK, SANDBOX_COUNT = "NWM", 25


def seed(*, stdout: Any) -> None:
    for mno in MNO.objects.order_by("short_code"):
        # Seeded by the network's code: the same SIMs whatever other networks exist.
        seed_value = zlib.crc32(mno.short_code.encode())
        report = fleet_create(mno=mno, count=PER_NETWORK, seed=seed_value)
        if report.created:
            stdout.write(f"  {report.created} virtual SIMs on {mno.name}\n")
        if mno.short_code == SANDBOX_NETWORK:
            report = fleet_create(mno=mno, count=SANDBOX_COUNT, sandbox=True, seed=seed_value + 1)
            if report.created:
                stdout.write(f"  {report.created} sandbox virtual SIMs on {mno.name}\n")
