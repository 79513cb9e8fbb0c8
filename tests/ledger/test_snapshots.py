"""Daily snapshots from the allocations' counters, and SSD months billed by snapshot days."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from billing.invoices import Invoice
from billing.invoices_close import billing_month_close
from billing.ledger import UsageSnapshot
from billing.ledger_services import usage_snapshot_take
from billing.pricing import ChargeKind
from billing.tasks import snapshot_usage
from issuers.models import AllocationStatus
from tests.cast import Cast
from tests.issuers.factories import AllocationFactory, World
from tests.ledger.factories import profile


def test_a_snapshot_counts_ssds_and_bytes_per_issuer_per_network(world: World) -> None:
    usage_snapshot_take(day=date(2026, 11, 27))

    snapshot = UsageSnapshot.objects.get(issuer=world.maple, mno=world.northwind)
    assert (snapshot.active_ssds, snapshot.bytes_used) == (120, 120 * 40_000)
    assert (snapshot.allocated_ssds, snapshot.allocated_bytes) == (1_000, 1_000 * 40_000)
    # Requested space is not held space.
    assert not UsageSnapshot.objects.filter(mno=world.lakeshore).exists()


def test_taking_the_same_days_snapshot_twice_keeps_one_row_with_the_latest_counts(
    world: World,
) -> None:
    usage_snapshot_take(day=date(2026, 11, 27))
    world.maple_approved.ssds_created = 130
    world.maple_approved.save()
    usage_snapshot_take(day=date(2026, 11, 27))
    assert UsageSnapshot.objects.get(issuer=world.maple, mno=world.northwind).active_ssds == 130


def test_the_beat_task_snapshots_yesterday(world: World) -> None:
    snapshot_usage()
    assert UsageSnapshot.objects.get(mno=world.northwind).day == date(2026, 11, 27)


def test_every_billing_beat_entry_expires_before_its_next_run() -> None:
    daily, monthly = 24 * 3600, 28 * 24 * 3600
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["billing.snapshot_usage"]["options"]["expires"] < daily
    assert schedule["billing.close_previous_month"]["options"]["expires"] < monthly


def test_an_allocation_phased_in_mid_month_pays_for_its_days_only(cast: Cast, world: World) -> None:
    """September 2026 has 30 days. Maple holds 120 SSDs on Northwind all month; its Lakeshore
    space is approved on the 16th and holds 300 SSDs from then on: 300 x 15 / 30 = 150 SSD
    months, so 270 in all at 0.25 (graduated, first tier) = 67.50."""
    profile(world.maple)
    profile(world.prairie, "NS")
    lakeshore = AllocationFactory(
        network_line=world.maple_lakeshore, status=AllocationStatus.APPROVED, approved_cap=500
    )
    day = date(2026, 9, 1)
    while day <= date(2026, 9, 30):
        if day == date(2026, 9, 16):
            lakeshore.ssds_created, lakeshore.bytes_used = 300, 300 * 40_000
            lakeshore.save()
        usage_snapshot_take(day=day)
        day += timedelta(days=1)

    billing_month_close(month=date(2026, 9, 1), actor=cast.finance)

    invoice = Invoice.objects.get(issuer=world.maple, month=date(2026, 9, 1))
    lines = {
        line.mno.short_code: (line.quantity, line.amount)
        for line in invoice.lines.filter(charge_kind=ChargeKind.ACTIVE_SSD_MONTH)
    }
    assert lines == {"NWM": (120, Decimal("30.00")), "LKW": (150, Decimal("37.50"))}
