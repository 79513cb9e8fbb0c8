import pytest
from pytest_django.fixtures import Settings

from mno.models import MNO
from tests.cast import Cast
from tests.mno.factories import MnoFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The cast's users would otherwise take seconds of PBKDF2 per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def northwind(cast: Cast) -> MNO:
    return MnoFactory(organisation=cast.northwind, name="Northwind Mobile", short_code="NWM")


@pytest.fixture
def lakeshore(db: None) -> MNO:
    return MnoFactory(name="Lakeshore Wireless", short_code="LKW")
