"""Property-based tests of the whole /api/v1/ against the committed schema (schemathesis).

Every operation of docs/openapi.yaml gets generated requests, schema-valid and not, sent with
a real sandbox key of Maple's holding every scope, to the portal's WSGI application in this
process (so it shares the test's database). Where the data would otherwise always miss (a
random MSISDN, a random id), a share of the cases is pointed at real objects: the sandbox
fleet's numbers, a valid card, existing credentials and jobs. Each answer must be no 5xx,
have a status and content type the operation documents, and match its schema.

Bounded and reproducible: a fixed number of examples per operation and mode, derandomized
Hypothesis, no example database; about a minute in all.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation

from enstream.wsgi import application
from provisioning.models import Credential
from provisioning.services import credential_provision
from tests.api.conftest import MakeKey
from tests.api_credentials.conftest import card
from tests.cast import Cast
from tests.provisioning.helpers import Market, virtual_se, visa

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
# Schema-valid input the business refuses (a Luhn-broken card, an MSISDN nobody has) is
# answered 4xx by design: a JSON schema cannot say "a real subscriber".
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


def _schema() -> Any:
    schema = schemathesis.openapi.from_path(SCHEMA)
    schema.app = application
    return schema


SCHEMA_UNDER_TEST = _schema()
OPERATIONS: list[APIOperation] = [result.ok() for result in SCHEMA_UNDER_TEST.get_all_operations()]


def label(operation: APIOperation) -> str:
    return f"{operation.method.upper()} {operation.path}"


class World:
    """What a share of the cases is pointed at: the sandbox fleet and Maple's objects on it."""

    def __init__(self, market: Market, key: str) -> None:
        self.key = key
        fleet = [virtual_se(market.northwind, sandbox=True) for _ in range(4)]
        self.msisdns = [se.msisdn for se in fleet]
        credentials: list[Credential] = []
        for se in fleet[:2]:
            credential, _ = credential_provision(
                issuer=market.maple,
                msisdn=se.msisdn,
                scheme="visa",
                applet_profile="visa_vsdc",
                card_data=visa(),
                sandbox=True,
            )
            credentials.append(credential)
        self.ids = {
            "credentials": [str(c.pk) for c in credentials],
            "jobs": [str(job.pk) for c in credentials for job in c.jobs.all()],
        }

    def aim(self, case: Any, data: st.DataObject) -> None:
        """Point the case at real objects when a drawn coin says so."""
        if not data.draw(st.booleans(), label="aim at real objects"):
            return
        for collection, ids in self.ids.items():
            if f"/{collection}/" in case.operation.path and case.path_parameters:
                name = next(iter(case.path_parameters))
                case.path_parameters[name] = data.draw(st.sampled_from(ids))
        if isinstance(case.query, dict) and "msisdn" in case.query:
            case.query["msisdn"] = data.draw(st.sampled_from(self.msisdns))
        if case.operation.path.endswith("/credentials") and isinstance(case.body, dict):
            case.body["msisdn"] = data.draw(st.sampled_from(self.msisdns))
            pan = data.draw(st.sampled_from(["4111111111111111", "4012888888881881"]))
            case.body["scheme"], case.body["applet_profile"] = "visa", "visa_vsdc"
            case.body["card_data"] = card(pan)
        if case.operation.path.endswith("/card-data") and isinstance(case.body, dict):
            case.body["card_data"] = card()


@pytest.fixture
def world(cast: Cast, market: Market, make_key: MakeKey, settings: Any) -> Iterator[World]:
    settings.ENSTREAM_API_RATE_LIMIT = "1000000/minute"  # the rate limit has its own tests
    # As Django's test client does: a request's end must not close the test's connection
    # (and with it the transaction that holds the test's data).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield World(market, make_key(cast.maple, mode="sandbox")[1])
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def exercise(operation: APIOperation, mode: GenerationMode, world: World) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def check(case: Any, data: st.DataObject) -> None:
        if mode == GenerationMode.POSITIVE:
            world.aim(case, data)
        headers = {"Authorization": f"Bearer {world.key}"}
        response = case.call(headers=headers)
        assert response.status_code < 500, response.text
        case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(EXAMPLES), ids=str)
def test_every_answer_is_documented_and_never_a_5xx(mode: GenerationMode, world: World) -> None:
    failures = []
    for operation in OPERATIONS:
        try:
            exercise(operation, mode, world)
        except Exception as failure:  # gather them all, then fail once
            failures.append(f"{label(operation)}:\n{failure}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    if mode == GenerationMode.POSITIVE:
        # The aimed cases got past validation: cards were accepted, not only refused.
        assert Credential.objects.count() > len(world.ids["credentials"])
