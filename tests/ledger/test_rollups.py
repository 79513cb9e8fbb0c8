"""Rollups: kept in step with the ledger event by event, rebuilt on demand."""

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.ledger import UsageKind, UsageMonthRollup, UsageRollup
from billing.ledger_services import (
    by_month,
    ledger_aggregate,
    month_rollup_table,
    rollup_table,
)
from tests.issuers.factories import World
from tests.ledger.factories import record

events = st.lists(
    st.tuples(
        st.sampled_from(["maple", "prairie"]),
        st.sampled_from(["northwind", "lakeshore"]),
        st.sampled_from(UsageKind.values),
        st.integers(min_value=0, max_value=40),  # days after 2026-09-25: across a month end
        st.integers(min_value=1, max_value=50),
        st.integers(min_value=0, max_value=15),  # a small key space: replays happen
    ),
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stream=events)
def test_rollups_equal_a_fresh_aggregation_of_the_ledger(world: World, stream: list) -> None:
    # The examples share one database transaction, so each stream adds to the ones before,
    # replaying keys of earlier examples too: the property holds at every step.
    for issuer, mno, kind, offset, quantity, key in stream:
        record(
            getattr(world, issuer),
            getattr(world, mno),
            kind,
            date(2026, 9, 25) + timedelta(days=offset),
            quantity=quantity,
            key=f"replay:{key}",
        )
    fresh = ledger_aggregate()
    assert rollup_table() == fresh
    assert month_rollup_table() == by_month(fresh)


def test_rebuild_says_nothing_changed_when_the_rollups_are_right(world: World) -> None:
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, date(2026, 10, 2), quantity=3)
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "nothing changed" in out.getvalue()


def test_rebuild_repairs_rollups_that_drifted_and_says_so(world: World) -> None:
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, date(2026, 10, 2), quantity=3)
    record(world.maple, world.lakeshore, UsageKind.OTA_OPERATION, date(2026, 10, 2))
    UsageRollup.objects.filter(mno=world.northwind).update(quantity=99)
    UsageRollup.objects.filter(mno=world.lakeshore).delete()
    UsageMonthRollup.objects.filter(mno=world.lakeshore).update(events=7)
    out = StringIO()

    call_command("rebuild_rollups", stdout=out)

    assert "differed" in out.getvalue()
    assert "1 missing" in out.getvalue()
    assert "2 wrong" in out.getvalue()
    assert rollup_table() == ledger_aggregate()
    assert month_rollup_table() == by_month(ledger_aggregate())
