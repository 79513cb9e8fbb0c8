"""October 2026, hand-computed (docs/billing.md walks through the same figures).

Maple (Ontario, 13% HST) holds 12,000 SSDs on Northwind all month and phases Lakeshore in on
the 17th with 3,100 SSDs (15 of 31 days: 1,500 SSD months); it provisions 700 credentials on
Northwind and 500 on Lakeshore, and runs 2,000 lifecycle operations on Northwind. Alone on the
platform (13,500 active SSD months) it gets no shared-cost discount:

  active SSD months   13,500: 10,000 x 0.25 + 3,500 x 0.20      = 3,200.00
  credentials          1,200 at the 1,001-10,000 volume tier 1.20 = 1,440.00
  lifecycle            2,000 x 0.05                               =   100.00
  onboarding           1 x 5,000.00 (first invoice)               = 5,000.00
  subtotal 9,740.00; HST 13% 1,266.20; total 11,006.20
"""

from datetime import date

from billing.ledger import UsageKind
from tests.issuers.factories import World
from tests.ledger.factories import profile, record, snapshot_days

OCTOBER = date(2026, 10, 1)


def maple_october(world: World) -> None:
    profile(world.maple, "ON")
    # Prairie's agreement is in force too: it gets its onboarding invoice, taxed in Nova Scotia.
    profile(world.prairie, "NS")
    snapshot_days(world.maple, world.northwind, date(2026, 9, 30), date(2026, 10, 31), ssds=12_000)
    snapshot_days(world.maple, world.lakeshore, date(2026, 10, 17), date(2026, 10, 31), ssds=3_100)
    record(
        world.maple,
        world.northwind,
        UsageKind.CREDENTIAL_PROVISIONED,
        date(2026, 10, 3),
        quantity=700,
    )
    record(
        world.maple,
        world.lakeshore,
        UsageKind.CREDENTIAL_PROVISIONED,
        date(2026, 10, 20),
        quantity=500,
    )
    record(
        world.maple,
        world.northwind,
        UsageKind.LIFECYCLE_OPERATION,
        date(2026, 10, 9),
        quantity=2_000,
    )
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, date(2026, 10, 9), quantity=5_000)


def prairie_october(world: World) -> None:
    """Prairie's 100,000 SSDs on Northwind lift the platform into the 5% band."""
    snapshot_days(world.prairie, world.northwind, OCTOBER, date(2026, 10, 31), ssds=100_000)
