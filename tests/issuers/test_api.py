"""/api/v1/agreements, /network-lines, /allocations and /price-plans, called as the cast does:
signed in to the portal with the second factor. Issuer keys come with the REST API work."""

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from enstream.apikeys.services import apikey_create
from issuers.models import AllocationStatus
from tests.accounts.helpers import login_verified
from tests.billing.factories import standard_plan
from tests.cast import Cast
from tests.issuers.factories import (
    AllocationFactory,
    NetworkLineFactory,
    ResaleAgreementFactory,
    World,
)

API = "/api/v1"


def _client(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _post(client: Client, url: str, body: dict | None = None) -> Any:
    return client.post(
        url, body or {}, content_type="application/json", headers={"Idempotency-Key": str(uuid4())}
    )


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _maple_urls(world: World) -> list[str]:
    maple_only = standard_plan(code="maple-negotiated")
    ResaleAgreementFactory(issuer=world.maple, number="RA-MAPLE-02", price_plan=maple_only)
    return [
        f"{API}/agreements/{world.maple_agreement.pk}",
        f"{API}/network-lines/{world.maple_lakeshore.pk}",
        f"{API}/allocations/{world.maple_requested.pk}",
        f"{API}/price-plans/{maple_only.pk}",
        f"{API}/price-plans/{maple_only.pk}/quote?month=2025-06&platform_volume=0",
    ]


@pytest.mark.parametrize("who", ["prairie_admin", "prairie_viewer", "outsider"])
def test_other_issuers_get_404_for_maple_s_objects(world: World, cast: Cast, who: str) -> None:
    client = _client(getattr(cast, who))

    for url in _maple_urls(world):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"


def test_maple_opens_its_own_objects(world: World, cast: Cast) -> None:
    client = _client(cast.maple_viewer)

    assert all(client.get(url).status_code == 200 for url in _maple_urls(world))


@pytest.mark.parametrize(
    ("who", "agreements"),
    [
        ("maple_viewer", ["RA-MAPLE-01"]),
        ("prairie_admin", ["RA-PRAIRIE-01"]),
        ("outsider", []),
        ("finance", ["RA-MAPLE-01", "RA-PRAIRIE-01"]),
    ],
)
def test_lists_hold_only_what_the_caller_may_see(
    world: World, cast: Cast, who: str, agreements: list[str]
) -> None:
    client = _client(getattr(cast, who))

    listed = client.get(f"{API}/agreements").json()
    allocations = client.get(f"{API}/allocations").json()

    assert sorted(a["number"] for a in listed) == agreements
    issuers = {a["issuer_name"] for a in allocations}
    assert issuers == {a["issuer_name"] for a in listed}


def test_an_mno_sees_space_on_its_network_and_never_a_resale_price(
    world: World, cast: Cast
) -> None:
    client = _client(cast.northwind_viewer)

    allocations = client.get(f"{API}/allocations").json()
    lines = client.get(f"{API}/network-lines").json()
    plans = client.get(f"{API}/price-plans").json()

    assert {a["mno_name"] for a in allocations} == {"Northwind Mobile"}
    assert {a["id"] for a in allocations} == {
        world.maple_approved.pk,
        world.prairie_requested.pk,
    }
    assert {line["id"] for line in lines} == {world.maple_northwind.pk, world.prairie_northwind.pk}
    assert plans == []
    assert client.get(f"{API}/price-plans/{world.plan.pk}").status_code == 404
    assert client.get(f"{API}/agreements").status_code == 403
    keys = set(_keys(allocations)) | set(_keys(lines))
    assert not {k for k in keys if "price" in k or "amount" in k or "plan" in k}


def test_issuer_staff_only_read(world: World, cast: Cast) -> None:
    client = _client(cast.maple_admin)

    response = _post(client, f"{API}/allocations/{world.maple_requested.pk}/approve", {"cap": 10})
    created = _post(
        client,
        f"{API}/allocations",
        {
            "network_line": world.maple_lakeshore.pk,
            "nv_quota_bytes": 1,
            "v_quota_bytes": 1,
            "expected_ssds": 1,
        },
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "Only EnStream staff change commercial data through the API.",
            "field": None,
        }
    }
    assert created.status_code == 403


def test_an_account_manager_approves_space_through_the_api(world: World, cast: Cast) -> None:
    client = _client(cast.account_manager)

    response = _post(
        client, f"{API}/allocations/{world.prairie_requested.pk}/approve", {"cap": 250}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["approved_cap"]) == (AllocationStatus.APPROVED, 250)
    assert body["usage"] == {
        "cap": 250,
        "ssds_created": 0,
        "ssds_remaining": 250,
        "bytes_reserved": 10_000_000,
        "bytes_used": 0,
        "percent_used": 0,
    }


def test_a_refusal_comes_back_in_the_one_error_shape(world: World, cast: Cast) -> None:
    client = _client(cast.account_manager)

    oversold = _post(
        client, f"{API}/allocations/{world.prairie_requested.pk}/approve", {"cap": 9_500}
    )
    again = _post(client, f"{API}/allocations/{world.maple_approved.pk}/approve", {"cap": 1})
    malformed = _post(
        client, f"{API}/allocations/{world.prairie_requested.pk}/approve", {"cap": "lots"}
    )

    assert oversold.status_code == 400
    error = oversold.json()["error"]
    assert (error["code"], error["field"]) == ("oversold", "cap")
    assert "by 500 SSDs and 20,000,000 bytes" in error["message"]
    assert error["details"] == {"over_ssds": 500, "over_bytes": 20_000_000}
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "invalid"
    assert malformed.json()["error"]["field"] == "cap"


def test_staff_write_an_agreement_through_the_api(world: World, cast: Cast) -> None:
    client = _client(cast.account_manager)

    created = _post(
        client,
        f"{API}/agreements",
        {
            "issuer": world.outsider.pk,
            "effective_on": "2030-01-01",
            "expires_on": "2031-12-31",
            "price_plan": "standard",
        },
    )
    line = _post(
        client,
        f"{API}/network-lines",
        {"agreement": created.json()["id"], "mno": world.northwind.pk, "phase_in_on": "2025-01-01"},
    )

    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert line.status_code == 400
    assert line.json()["error"]["code"] == "phase_in_before_start"
    assert line.json()["error"]["field"] == "phase_in_on"


def test_a_password_only_session_does_not_reach_the_api(world: World, cast: Cast) -> None:
    client = Client()
    client.force_login(cast.account_manager)

    response = client.get(f"{API}/agreements")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_issuer_quotes_its_plan_through_the_api(world: World, cast: Cast) -> None:
    client = _client(cast.maple_viewer)
    params = (
        "month=2025-06&platform_volume=250000&active_ssd_month=12345"
        "&credential_provisioned=2000&lifecycle_operation=3333"
    )

    quote = client.get(f"{API}/price-plans/{world.plan.pk}/quote?{params}").json()
    bad = client.get(f"{API}/price-plans/{world.plan.pk}/quote?month=2025-06&platform_volume=-5")

    assert quote["total"] == "4844.37"
    assert quote["month"] == str(date(2025, 6, 1))
    assert quote["band"] == {"from_volume": 250_000, "discount_percent": "12.50"}
    ssd = quote["lines"][0]
    assert (ssd["kind"], ssd["amount"]) == ("active_ssd_month", "2598.38")
    assert [t["unit_price"] for t in ssd["tiers"]] == ["0.2188", "0.1750"]
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "platform_volume_too_small"


def test_an_issuer_key_reads_its_own_agreement_and_writes_nothing(world: World, cast: Cast) -> None:
    _, raw = apikey_create(
        organisation=cast.maple, name="card back end", scopes=["read"], created_by=cast.maple_admin
    )
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    listed = client.get(f"{API}/agreements")
    other = client.get(f"{API}/agreements/{world.prairie_agreement.pk}")
    write = _post(client, f"{API}/allocations/{world.maple_requested.pk}/cancel")

    assert [a["number"] for a in listed.json()] == ["RA-MAPLE-01"]
    assert other.status_code == 404
    assert write.status_code == 403
    assert write.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("path", ["agreements", "network-lines", "allocations", "price-plans"])
def test_a_list_costs_the_same_queries_however_long_it_is(
    world: World, cast: Cast, path: str, django_assert_max_num_queries: Any
) -> None:
    client = _client(cast.finance)
    client.get(f"{API}/{path}")  # warm the session and the key caches
    for number in range(5):
        agreement = ResaleAgreementFactory(number=f"RA-MORE-{number}", price_plan=world.plan)
        AllocationFactory(network_line=NetworkLineFactory(agreement=agreement))
        standard_plan(code=f"more-{number}")

    with django_assert_max_num_queries(12):
        response = client.get(f"{API}/{path}")

    assert response.status_code == 200
    assert len(response.json()) >= 6
