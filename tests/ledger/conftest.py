import pytest
from pytest_django.fixtures import Settings

from tests.cast import Cast
from tests.issuers.factories import World, build_world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The cast's eleven users would otherwise cost seconds of PBKDF2 per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)
