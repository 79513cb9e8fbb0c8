"""GET /api/v1/eligibility: can this bank put a card on this subscriber's SIM today."""

import pytest
from rest_framework.test import APIClient

from issuers.models import Allocation
from mno.models import SecureElement
from tests.api.conftest import MakeKey, bearer
from tests.api_credentials.conftest import Keys
from tests.cast import Cast
from tests.mno.factories import MnoFactory
from tests.provisioning.helpers import Market, new_msisdn, virtual_se

pytestmark = pytest.mark.django_db
URL = "/api/v1/eligibility"


def check(api: APIClient, key: str, msisdn: str) -> dict:
    response = api.get(URL, {"msisdn": msisdn}, **bearer(key))
    assert response.status_code == 200, response.content
    return response.json()


def reason_codes(answer: dict) -> list[str]:
    return [reason["code"] for reason in answer["reasons"]]


def test_an_eligible_subscriber_shows_the_network_the_sim_and_the_room_left(
    api: APIClient, keys: Keys, live_se: SecureElement, market: Market
) -> None:
    answer = check(api, keys.live, live_se.msisdn)
    assert answer["eligible"] is True
    assert answer["reasons"] == []
    assert answer["msisdn"] == live_se.msisdn
    assert (answer["network"], answer["network_name"]) == ("NWM", "Northwind Mobile")
    assert answer["nfc_capable"] is True
    assert answer["secure_channel"] == "SCP03 i=70"
    assert answer["free_nv_bytes"] == live_se.free_nv_bytes > 0
    assert answer["covered_today"] is True
    assert answer["ssd_present"] is False
    assert answer["allocation"] == market.allocation.pk
    assert answer["allocation_has_room"] is True
    assert answer["ssds_remaining"] == 1_000 - 120


def test_a_number_in_a_national_spelling_is_read_as_e164(
    api: APIClient, keys: Keys, live_se: SecureElement
) -> None:
    national = f"({live_se.msisdn[2:5]}) {live_se.msisdn[5:8]}-{live_se.msisdn[8:]}"
    assert check(api, keys.live, national)["msisdn"] == live_se.msisdn


def test_an_unknown_number_says_so_with_what_to_do(api: APIClient, keys: Keys) -> None:
    answer = check(api, keys.live, "+14165550199")
    assert answer["eligible"] is False
    assert answer["network"] is None
    assert answer["reasons"][0]["code"] == "se_unknown"
    assert answer["reasons"][0]["action"]


def test_a_network_outside_the_agreement_is_not_covered(
    api: APIClient, keys: Keys, market: Market
) -> None:
    se = virtual_se(MnoFactory(name="Borealis Telecom", short_code="BOR"))
    answer = check(api, keys.live, se.msisdn)
    assert answer["covered_today"] is False
    assert reason_codes(answer) == ["network_not_in_agreement"]


def test_a_covered_network_without_approved_space_says_allocation_missing(
    api: APIClient, keys: Keys, market: Market
) -> None:
    se = virtual_se(market.lakeshore)
    answer = check(api, keys.live, se.msisdn)
    assert answer["covered_today"] is True
    assert answer["allocation_has_room"] is False
    assert reason_codes(answer) == ["allocation_missing"]


def test_a_full_allocation_says_allocation_full(
    api: APIClient, keys: Keys, live_se: SecureElement, market: Market
) -> None:
    Allocation.objects.filter(pk=market.allocation.pk).update(approved_cap=120)
    answer = check(api, keys.live, live_se.msisdn)
    assert answer["allocation_has_room"] is False
    assert reason_codes(answer) == ["allocation_full"]


def test_every_reason_is_listed_at_once(api: APIClient, keys: Keys, market: Market) -> None:
    se = virtual_se(MnoFactory(name="Borealis Telecom", short_code="BOR"), nfc=False)
    assert reason_codes(check(api, keys.live, se.msisdn)) == [
        "se_not_nfc",
        "network_not_in_agreement",
    ]


def test_a_sandbox_key_cannot_see_a_live_subscriber(
    api: APIClient, keys: Keys, live_se: SecureElement
) -> None:
    unknown = new_msisdn()
    as_unknown = check(api, keys.sandbox, unknown)
    as_live = check(api, keys.sandbox, live_se.msisdn)
    assert as_live == {**as_unknown, "msisdn": live_se.msisdn}
    assert reason_codes(as_live) == ["se_unknown"]


def test_a_live_key_cannot_see_a_sandbox_subscriber(
    api: APIClient, keys: Keys, sandbox_se: SecureElement
) -> None:
    unknown = new_msisdn()
    as_unknown = check(api, keys.live, unknown)
    as_sandbox = check(api, keys.live, sandbox_se.msisdn)
    assert as_sandbox == {**as_unknown, "msisdn": sandbox_se.msisdn}
    assert check(api, keys.sandbox, sandbox_se.msisdn)["eligible"] is True


@pytest.mark.parametrize(
    ("query", "code"),
    [({}, "required"), ({"msisdn": "not a number"}, "invalid_msisdn"), ({"msisdn": ""}, "blank")],
)
def test_a_missing_or_malformed_number_is_a_400_naming_the_field(
    api: APIClient, keys: Keys, query: dict, code: str
) -> None:
    response = api.get(URL, query, **bearer(keys.live))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["field"] == "msisdn"


def test_a_key_without_the_read_scope_is_refused(
    api: APIClient, make_key: MakeKey, live_se: SecureElement
) -> None:
    _, raw = make_key(scopes=("provision",))
    response = api.get(URL, {"msisdn": live_se.msisdn}, **bearer(raw))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_enstream_staff_cannot_ask_on_a_banks_behalf(
    api: APIClient, cast: Cast, make_key: MakeKey, live_se: SecureElement
) -> None:
    _, raw = make_key(cast.enstream, user=cast.operations)
    response = api.get(URL, {"msisdn": live_se.msisdn}, **bearer(raw))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
