"""GET /api/v1/credentials: filters, cursor pagination, ordering; each key sees its own mode."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from mno.models import SecureElement
from provisioning.models import Credential
from provisioning.services import credential_provision
from tests.api.conftest import bearer
from tests.api_credentials.conftest import URL, Keys
from tests.provisioning.helpers import MASTERCARD_PAN, Market, virtual_se, visa

pytestmark = pytest.mark.django_db


def add(market: Market, se: SecureElement, pan: str = "4111111111111111", **state: Any) -> str:
    scheme, profile = ("visa", "visa_vsdc") if pan[0] == "4" else ("mastercard", "mastercard_mchip")
    credential, _ = credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme=scheme,
        applet_profile=profile,
        card_data=visa(pan),
        sandbox=se.sandbox,
    )
    if state:
        Credential.objects.filter(pk=credential.pk).update(**state)
    return str(credential.pk)


def ids(api: APIClient, key: str, **query: Any) -> list[str]:
    response = api.get(URL, query, **bearer(key))
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def three(market: Market) -> dict[str, str]:
    """Three live credentials of Maple's, oldest first, on two SIMs of two networks."""
    northwind, lakeshore = virtual_se(market.northwind), virtual_se(market.lakeshore)
    now = timezone.now()
    first = add(market, northwind, requested_at=now - timedelta(hours=3), state="active")
    second = add(market, northwind, MASTERCARD_PAN, requested_at=now - timedelta(hours=2))
    third = add(market, lakeshore, "4000056655665556", requested_at=now - timedelta(hours=1))
    # Maple has no approved space on Lakeshore: put the credential there by hand.
    return {"first": first, "second": second, "third": third, "northwind": northwind.msisdn}


@pytest.fixture(autouse=True)
def _lakeshore_space(market: Market) -> None:
    from issuers.models import AllocationStatus
    from tests.issuers.factories import AllocationFactory

    AllocationFactory(
        network_line=market.world.maple_lakeshore,
        status=AllocationStatus.APPROVED,
        approved_cap=10,
    )


def test_the_newest_come_first_by_default(api: APIClient, keys: Keys, three: dict) -> None:
    assert ids(api, keys.live) == [three["third"], three["second"], three["first"]]


def test_ordering_by_request_time_oldest_first(api: APIClient, keys: Keys, three: dict) -> None:
    assert ids(api, keys.live, ordering="requested_at") == [
        three["first"],
        three["second"],
        three["third"],
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "active"}, ["first"]),
        ({"network": "LKW"}, ["third"]),
        ({"network": "nwm"}, ["second", "first"]),
        ({"last4": "4444"}, ["second"]),
        ({"scheme": "mastercard"}, ["second"]),
        ({"state": "requested", "network": "NWM"}, ["second"]),
    ],
)
def test_filters_narrow_the_list(
    api: APIClient, keys: Keys, three: dict, query: dict, expected: list[str]
) -> None:
    assert ids(api, keys.live, **query) == [three[name] for name in expected]


def test_a_subscriber_is_found_by_any_spelling_of_the_number(
    api: APIClient, keys: Keys, three: dict
) -> None:
    number = three["northwind"]
    national = f"{number[2:5]} {number[5:8]} {number[8:]}"
    assert ids(api, keys.live, msisdn=national) == [three["second"], three["first"]]


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"last4": "44"}, "last4", "invalid"),
        ({"state": "lost"}, "state", "invalid_choice"),
        ({"msisdn": "nobody"}, "msisdn", "invalid_msisdn"),
        ({"limit": "ten"}, "limit", "invalid"),
        ({"limit": "0"}, "limit", "invalid"),
        ({"limit": ""}, "limit", "invalid"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(
    api: APIClient, keys: Keys, three: dict, query: dict, field: str, code: str
) -> None:
    response = api.get(URL, query, **bearer(keys.live))
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert response.json()["error"]["code"] == code


def test_pages_follow_the_cursor_without_repeats_or_gaps(
    api: APIClient, keys: Keys, three: dict
) -> None:
    seen: list[str] = []
    page = api.get(URL, {"limit": 2}, **bearer(keys.live)).json()
    seen += [row["id"] for row in page["results"]]
    assert page["previous"] is None
    assert page["next"] is not None
    page = api.get(page["next"], **bearer(keys.live)).json()
    seen += [row["id"] for row in page["results"]]
    assert page["next"] is None
    assert seen == [three["third"], three["second"], three["first"]]


def test_a_limit_past_the_maximum_is_taken_as_the_maximum_not_refused(
    api: APIClient, keys: Keys, three: dict
) -> None:
    response = api.get(URL, {"limit": 500}, **bearer(keys.live))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_a_forged_cursor_is_a_400_naming_it(api: APIClient, keys: Keys, three: dict) -> None:
    response = api.get(URL, {"cursor": "not-a-cursor"}, **bearer(keys.live))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    assert response.json()["error"]["field"] == "cursor"


def test_sandbox_and_live_credentials_never_mix(
    api: APIClient, keys: Keys, market: Market, three: dict
) -> None:
    sandbox = add(market, virtual_se(market.northwind, sandbox=True))
    assert ids(api, keys.sandbox) == [sandbox]
    assert sandbox not in ids(api, keys.live)


def test_the_list_costs_the_same_queries_for_one_credential_or_many(
    api: APIClient, keys: Keys, market: Market, three: dict
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL, **bearer(keys.live)).status_code == 200
        return len(captured)

    queries()  # the key's first call of the minute also stamps its last use
    before = queries()
    se = virtual_se(market.northwind)
    for pan in ("4012888888881881", "4242424242424242"):
        add(market, se, pan)
    assert queries() == before
