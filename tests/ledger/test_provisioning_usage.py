"""Provisioning writes its usage into the ledger, once, in the transaction of each step."""

import pytest

from billing.ledger import UsageEvent, UsageKind
from billing.ledger_services import ledger_aggregate, rollup_table
from provisioning.models import JobState, JobStep
from provisioning.services import credential_provision
from tests.cast import Cast
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import Market, virtual_se, visa

pytestmark = pytest.mark.django_db(transaction=True)


def _kinds() -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in UsageEvent.objects.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_a_provisioned_card_bills_its_ssd_its_credential_and_each_round_trip(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    _, job = credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        card_data=visa(),
        sandbox=False,
        actor=cast.maple_operator,
    )
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.failure_code

    round_trips = JobStep.objects.filter(job=job, replied_at__isnull=False).count()
    assert _kinds() == {
        UsageKind.SSD_CREATED: 1,
        UsageKind.CREDENTIAL_PROVISIONED: 1,
        UsageKind.OTA_OPERATION: round_trips,
    }
    event = UsageEvent.objects.get(kind=UsageKind.CREDENTIAL_PROVISIONED)
    assert (event.issuer, event.mno, event.se) == (market.maple, market.northwind, se)
    assert event.idempotency_key == f"job:{job.pk}:succeeded"
    assert rollup_table() == ledger_aggregate()

    pump.redrive()
    pump.run()
    assert UsageEvent.objects.count() == 1 + 1 + round_trips
