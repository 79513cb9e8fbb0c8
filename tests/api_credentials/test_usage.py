"""GET /api/v1/usage?month=YYYY-MM: the caller's usage per network, from the billing reports."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from billing.ledger import UsageKind
from billing.ledger_services import usage_record, usage_snapshot_take
from tests.api.conftest import MakeKey, bearer
from tests.api_credentials.conftest import Keys
from tests.cast import Cast
from tests.provisioning.helpers import Market

pytestmark = pytest.mark.django_db
URL = "/api/v1/usage"


@pytest.fixture
def this_month(market: Market) -> str:
    """Three cards provisioned and one SSD created on Northwind today; today's snapshot."""
    now = timezone.now()
    with transaction.atomic():
        for n, kind in enumerate([UsageKind.CREDENTIAL_PROVISIONED] * 3 + [UsageKind.SSD_CREATED]):
            usage_record(
                idempotency_key=f"test:{n}",
                issuer=market.maple,
                mno=market.northwind,
                kind=kind,
                occurred_at=now,
            )
    usage_snapshot_take()
    return f"{timezone.localdate():%Y-%m}"


def usage(api: APIClient, key: str, month: str) -> dict:
    response = api.get(URL, {"month": month}, **bearer(key))
    assert response.status_code == 200, response.content
    return response.json()


def test_this_months_usage_counts_to_today_per_network(
    api: APIClient, keys: Keys, this_month: str
) -> None:
    answer = usage(api, keys.live, this_month)
    today = timezone.localdate()
    assert answer["month"] == this_month
    assert answer["period_start"] == f"{today:%Y-%m}-01"
    assert answer["period_end"] == today.isoformat()
    assert answer["livemode"] is True
    [northwind] = answer["networks"]
    assert (northwind["network"], northwind["network_name"]) == ("NWM", "Northwind Mobile")
    assert northwind["active_ssds"] == 120  # the allocation's counter, as snapshotted today
    assert northwind["bytes_allocated"] >= northwind["bytes_used"] > 0
    assert northwind["operations"]["credential_provisioned"] == 3
    assert northwind["operations"]["ssd_created"] == 1
    assert northwind["operations"]["lifecycle_operation"] == 0


def test_a_month_without_usage_lists_no_network(
    api: APIClient, keys: Keys, this_month: str
) -> None:
    earlier = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    answer = usage(api, keys.live, f"{earlier:%Y-%m}")
    assert answer["networks"] == []
    assert (
        answer["period_end"]
        == (timezone.localdate().replace(day=1) - timedelta(days=1)).isoformat()
    )


def test_another_issuer_sees_only_its_own_usage(
    api: APIClient, keys: Keys, this_month: str
) -> None:
    assert usage(api, keys.prairie, this_month)["networks"] == []


def test_the_sandbox_is_never_billed(api: APIClient, keys: Keys, this_month: str) -> None:
    answer = usage(api, keys.sandbox, this_month)
    assert (answer["livemode"], answer["networks"]) == (False, [])


@pytest.mark.parametrize(
    ("month", "code"),
    [("2026-13", "invalid"), ("11/2026", "invalid"), ("", "blank"), ("2999-01", "month_in_future")],
)
def test_a_bad_month_is_a_400_naming_it(api: APIClient, keys: Keys, month: str, code: str) -> None:
    response = api.get(URL, {"month": month}, **bearer(keys.live))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": code,
        "field": "month",
        "message": response.json()["error"]["message"],
    }


def test_usage_needs_the_read_scope(
    api: APIClient, cast: Cast, make_key: MakeKey, market: Market
) -> None:
    _, raw = make_key(cast.maple, scopes=("provision",))
    response = api.get(URL, {"month": f"{date.today():%Y-%m}"}, **bearer(raw))
    assert response.status_code == 403
