"""POST /api/v1/credentials: a card accepted for a subscriber's SIM, or refused with a code."""

from datetime import date

import pytest
import time_machine
from rest_framework.test import APIClient

from issuers.models import Allocation
from mno.models import SecureElement
from provisioning.models import Credential, Job, JobKind
from tests.api.conftest import MakeKey, bearer
from tests.api_credentials.conftest import URL, VISA_PAN, Keys, Provision, body, card
from tests.mno.factories import MnoFactory
from tests.provisioning.helpers import MASTERCARD_PAN, Market, new_msisdn, virtual_se

pytestmark = pytest.mark.django_db


def error(response: object) -> dict:
    return response.json()["error"]  # type: ignore[attr-defined]


def test_a_card_is_accepted_with_its_job_and_only_its_last_four(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    response = provision(keys.live, live_se.msisdn)
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer["state"] == "requested"
    assert answer["msisdn"] == live_se.msisdn
    assert answer["network"] == "NWM"
    assert (answer["scheme"], answer["applet_profile"]) == ("visa", "visa_vsdc")
    assert answer["last4"] == "1111"
    assert answer["expiry"] == "2030-12"
    assert answer["livemode"] is True
    assert answer["reason"] is None
    job = Job.objects.get(credential_id=answer["id"])
    assert answer["job"]["id"] == str(job.pk)
    assert answer["job"]["kind"] == JobKind.PROVISION
    assert response["Location"] == f"/api/v1/credentials/{answer['id']}"
    assert VISA_PAN not in response.content.decode()
    assert "pan" not in answer["job"]
    assert "card_data" not in answer


def test_the_credential_reads_back_as_it_was_answered(
    api: APIClient, provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    created = provision(keys.live, live_se.msisdn).json()
    response = api.get(f"{URL}/{created['id']}", **bearer(keys.live))
    assert response.status_code == 200
    assert response.json() == created


def test_a_sandbox_key_provisions_on_the_sandbox_fleet(
    provision: Provision, keys: Keys, sandbox_se: SecureElement
) -> None:
    response = provision(keys.sandbox, sandbox_se.msisdn)
    assert response.status_code == 202, response.content
    assert response.json()["livemode"] is False
    assert Credential.objects.get().se == sandbox_se


def _refusal(response: object) -> tuple[int, dict]:
    return response.status_code, error(response)  # type: ignore[attr-defined]


def test_a_sandbox_key_can_never_reach_a_live_sim(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    unknown = _refusal(provision(keys.sandbox, new_msisdn()))
    live = _refusal(provision(keys.sandbox, live_se.msisdn))
    assert live == unknown
    assert live[0] == 422
    assert live[1]["code"] == "se_unknown"
    assert not Credential.objects.exists()


def test_a_live_key_can_never_reach_a_sandbox_sim(
    provision: Provision, keys: Keys, sandbox_se: SecureElement
) -> None:
    unknown = _refusal(provision(keys.live, new_msisdn()))
    sandbox = _refusal(provision(keys.live, sandbox_se.msisdn))
    assert sandbox == unknown
    assert sandbox[1]["code"] == "se_unknown"
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"card_data": card("4111111111111112")}, 400, "invalid_pan", "card_data.pan"),
        ({"card_data": card("4111 1111")}, 400, "invalid_pan", "card_data.pan"),
        ({"card_data": card(MASTERCARD_PAN)}, 400, "scheme_mismatch", "card_data.pan"),
        ({"card_data": card(expiry_year=2020)}, 400, "card_expired", "card_data.expiry_year"),
        ({"card_data": card(expiry_month=13)}, 400, "invalid_expiry", "card_data.expiry_month"),
        ({"card_data": card(expiry_month="twelve")}, 400, "invalid", "card_data.expiry_month"),
        ({"card_data": card(cardholder_name="")}, 400, "blank", "card_data.cardholder_name"),
        ({"card_data": card(cardholder_name="Ж" * 3)}, 400, "invalid_name", None),
        ({"card_data": "4111111111111111"}, 400, "invalid", "card_data"),
        ({"card_data": card(pan=["4111111111111111"])}, 400, "invalid", "card_data.pan"),
        ({"card_data": card(pan_sequence=100)}, 400, "invalid_pan_sequence", None),
        ({"scheme": "amex"}, 400, "invalid_choice", "scheme"),
        ({"applet_profile": "visa_gold"}, 400, "invalid_choice", "applet_profile"),
        ({"applet_profile": "interac_flash"}, 400, "profile_scheme_mismatch", "applet_profile"),
        ({"msisdn": True}, 400, "invalid", "msisdn"),
        ({"msisdn": 12}, 400, "invalid_msisdn", "msisdn"),
        ({"msisdn": "call me"}, 400, "invalid_msisdn", "msisdn"),
        ({"msisdn": None}, 400, "null", "msisdn"),
    ],
)
def test_bad_input_is_a_4xx_with_a_code_and_the_field(
    provision: Provision,
    keys: Keys,
    live_se: SecureElement,
    overrides: dict,
    status: int,
    code: str,
    field: str | None,
) -> None:
    response = provision(keys.live, live_se.msisdn, **overrides)
    assert response.status_code == status, response.content
    assert error(response)["code"] == code
    if field is not None:
        assert error(response)["field"] == field
    assert VISA_PAN not in response.content.decode()
    assert not Credential.objects.exists()


def test_a_body_without_card_data_names_the_missing_field(
    api: APIClient, keys: Keys, live_se: SecureElement
) -> None:
    incomplete = body(live_se.msisdn)
    del incomplete["card_data"]
    response = api.post(
        URL, incomplete, format="json", HTTP_IDEMPOTENCY_KEY="a", **bearer(keys.live)
    )
    assert response.status_code == 400
    assert error(response) | {"message": ""} == {
        "code": "required",
        "field": "card_data",
        "message": "",
    }


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ('{"msisdn": "+14165550123", ', "application/json", 400, "parse_error"),
        ("[1, 2, 3]", "application/json", 400, "invalid"),
        ('"just a string"', "application/json", 400, "invalid"),
        (
            "msisdn=%2B14165550123",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_not_a_500(
    api: APIClient, keys: Keys, raw: str, content_type: str, status: int, code: str
) -> None:
    response = api.generic(
        "POST", URL, raw, content_type=content_type, HTTP_IDEMPOTENCY_KEY="m", **bearer(keys.live)
    )
    assert response.status_code == status, response.content
    assert error(response)["code"] == code


def test_an_unknown_subscriber_is_a_422_with_what_to_do(provision: Provision, keys: Keys) -> None:
    response = provision(keys.live, "+14165550199")
    assert response.status_code == 422
    assert error(response)["code"] == "se_unknown"
    assert error(response)["details"]["reasons"] == ["se_unknown"]
    assert error(response)["details"]["action"]


def test_a_network_outside_the_agreement_is_a_422(
    provision: Provision, keys: Keys, market: Market
) -> None:
    se = virtual_se(MnoFactory(name="Borealis Telecom", short_code="BOR"))
    response = provision(keys.live, se.msisdn)
    assert response.status_code == 422
    assert error(response)["code"] == "network_not_in_agreement"


def test_a_full_allocation_is_a_422(
    provision: Provision, keys: Keys, live_se: SecureElement, market: Market
) -> None:
    Allocation.objects.filter(pk=market.allocation.pk).update(approved_cap=120)
    response = provision(keys.live, live_se.msisdn)
    assert response.status_code == 422
    assert error(response)["code"] == "allocation_full"
    assert not Credential.objects.exists()


def test_the_same_card_twice_on_one_sim_is_a_409(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    assert provision(keys.live, live_se.msisdn).status_code == 202
    again = provision(keys.live, live_se.msisdn)
    assert again.status_code == 409
    assert error(again)["code"] == "credential_exists"


def test_a_card_that_expired_last_month_is_refused_and_this_month_is_not(
    provision: Provision, keys: Keys, live_se: SecureElement
) -> None:
    with time_machine.travel(date(2027, 3, 15)):
        late = provision(keys.live, live_se.msisdn, card_data=card(expiry_year=27, expiry_month=2))
        on_time = provision(
            keys.live, live_se.msisdn, card_data=card(expiry_year=27, expiry_month=3)
        )
    assert error(late)["code"] == "card_expired"
    assert on_time.status_code == 202
    assert on_time.json()["expiry"] == "2027-03"


def test_provisioning_needs_the_provision_scope(
    provision: Provision, make_key: MakeKey, live_se: SecureElement, market: Market
) -> None:
    _, raw = make_key(scopes=("read", "lifecycle"))
    response = provision(raw, live_se.msisdn)
    assert response.status_code == 403
    assert error(response)["code"] == "insufficient_scope"


def test_a_post_without_an_idempotency_key_is_refused(
    api: APIClient, keys: Keys, live_se: SecureElement
) -> None:
    response = api.post(URL, body(live_se.msisdn), format="json", **bearer(keys.live))
    assert response.status_code == 400
    assert error(response)["code"] == "idempotency_key_missing"
    assert not Credential.objects.exists()
