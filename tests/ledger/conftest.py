from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pytest_django.fixtures import Settings

from tests.cast import Cast
from tests.issuers.factories import World, build_world
from tests.ledger.factories import seed_tax_rates

# Provisioning's market and task pump, for the test that runs a real job into the ledger.
from tests.provisioning.conftest import market, pump  # noqa: F401


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The cast's eleven users would otherwise cost seconds of PBKDF2 per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def late_november_2026() -> Iterator[None]:
    """The hand-computed months (September, October 2026) are over; November is open.
    Factories date agreements from today, so today is pinned too."""
    moment = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("America/Toronto"))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def tax_rates(db: None) -> None:
    seed_tax_rates()


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)
