from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.accounts.helpers import login_verified
from tests.cast import Cast
from tests.issuers.factories import World, build_world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The cast's eleven users would otherwise cost seconds of PBKDF2 per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


@pytest.fixture
def as_user(client: Client, cast: Cast) -> Callable[[str], Client]:
    """`as_user("account_manager")`: the test client, signed in past the second factor."""

    def sign_in(who: str) -> Client:
        client.logout()
        login_verified(client, getattr(cast, who))
        return client

    return sign_in
