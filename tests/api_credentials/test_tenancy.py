"""Another issuer's key gets 404 on every credential endpoint, and lists nothing of Maple's."""

import pytest
from rest_framework.test import APIClient

from mno.models import SecureElement
from provisioning.models import Credential, Job
from tests.api.conftest import bearer
from tests.api_credentials.conftest import URL, Keys, Provision, card
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def maples(provision: Provision, keys: Keys, live_se: SecureElement) -> dict[str, str]:
    answer = provision(keys.live, live_se.msisdn).json()
    return {"credential": answer["id"], "job": answer["job"]["id"], "msisdn": live_se.msisdn}


@pytest.mark.parametrize("who", ["prairie", "outsider"])
def test_every_object_endpoint_answers_404_to_another_issuer(
    api: APIClient, keys: Keys, maples: dict[str, str], who: str
) -> None:
    key = getattr(keys, who)
    credential, job = maples["credential"], maples["job"]
    calls = [
        ("get", f"{URL}/{credential}"),
        ("get", f"/api/v1/jobs/{job}"),
        ("post", f"{URL}/{credential}/suspend"),
        ("post", f"{URL}/{credential}/resume"),
        ("post", f"{URL}/{credential}/delete"),
    ]
    for method, url in calls:
        response = getattr(api, method)(
            url, {}, format="json", HTTP_IDEMPOTENCY_KEY=f"probe-{method}-{url}", **bearer(key)
        )
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"
    assert Job.objects.filter(credential_id=credential).count() == 1


@pytest.mark.parametrize("who", ["prairie", "outsider"])
def test_another_issuers_list_shows_nothing_of_maples(
    api: APIClient, keys: Keys, maples: dict[str, str], who: str
) -> None:
    key = getattr(keys, who)
    for query in ({}, {"msisdn": maples["msisdn"]}, {"last4": "1111"}, {"network": "NWM"}):
        response = api.get(URL, query, **bearer(key))
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_a_404_for_a_stranger_looks_like_a_missing_credential(
    api: APIClient, keys: Keys, maples: dict[str, str]
) -> None:
    theirs = api.get(f"{URL}/{maples['credential']}", **bearer(keys.prairie))
    missing = api.get(f"{URL}/00000000-0000-4000-8000-000000000000", **bearer(keys.prairie))
    malformed = api.get(f"{URL}/not-a-uuid", **bearer(keys.prairie))
    assert theirs.json() == missing.json() == malformed.json()


def test_another_issuer_provisions_only_under_its_own_terms(
    provision: Provision, keys: Keys, maples: dict[str, str], cast: Cast
) -> None:
    # Prairie's space on Northwind is only requested: Maple's SSD on the SIM is no use to it.
    response = provision(keys.prairie, maples["msisdn"], card_data=card(pan_sequence=1))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "allocation_missing"
    assert not Credential.objects.filter(issuer__organisation=cast.prairie).exists()
