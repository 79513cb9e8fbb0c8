"""Fixtures for the credential API: the market (tests/provisioning/helpers), virtual SIMs live
and sandbox, keys of every kind, and the in-process task pump for jobs that must progress."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from mno.models import SecureElement
from tests.api.conftest import MakeKey, api, bearer, make_key, receiver  # noqa: F401
from tests.cast import Cast
from tests.provisioning.conftest import pump  # noqa: F401
from tests.provisioning.helpers import Market, build_market, virtual_se

URL = "/api/v1/credentials"
VISA_PAN = "4111111111111111"
# Luhn-valid Visa numbers that appear nowhere else, so a scan for them is meaningful.
OTHER_VISA_PANS = ("4000056655665556", "4242424242424242", "4012888888881881")


@pytest.fixture
def market(cast: Cast) -> Market:
    return build_market(cast)


@dataclass
class Keys:
    """Maple's keys (live and sandbox, all scopes), Prairie's and the outsider's."""

    live: str
    sandbox: str
    prairie: str
    outsider: str


@pytest.fixture
def keys(cast: Cast, make_key: MakeKey, market: Market) -> Keys:  # noqa: F811
    return Keys(
        live=make_key(cast.maple)[1],
        sandbox=make_key(cast.maple, mode="sandbox")[1],
        prairie=make_key(cast.prairie)[1],
        outsider=make_key(cast.outsider_org)[1],
    )


def card(pan: str = VISA_PAN, **overrides: Any) -> dict[str, Any]:
    return {
        "pan": pan,
        "expiry_month": 12,
        "expiry_year": 2030,
        "cardholder_name": "Jane Q Public",
        "token_reference": "DNITHE000000000000000001",
        **overrides,
    }


def body(msisdn: str, /, **overrides: Any) -> dict[str, Any]:
    return {
        "msisdn": msisdn,
        "scheme": "visa",
        "applet_profile": "visa_vsdc",
        "card_data": card(),
        **overrides,
    }


Provision = Callable[..., Any]


@pytest.fixture
def provision(api: APIClient) -> Provision:  # noqa: F811
    """provision(key, msisdn, idempotency_key=..., **body overrides) -> the response."""
    counter = iter(range(10**6))

    def call(key: str, msisdn: str, /, *, idempotency_key: str | None = None, **overrides: Any):
        token = idempotency_key or f"provision-{next(counter)}"
        return api.post(
            URL, body(msisdn, **overrides), format="json", HTTP_IDEMPOTENCY_KEY=token, **bearer(key)
        )

    return call


@pytest.fixture
def live_se(market: Market) -> SecureElement:
    return virtual_se(market.northwind)


@pytest.fixture
def sandbox_se(market: Market) -> SecureElement:
    return virtual_se(market.northwind, sandbox=True)
