from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from enstream.accounts.models import Organisation
from enstream.apikeys.models import ApiKey
from enstream.apikeys.services import apikey_create
from enstream.webhooks.models import WebhookEndpoint
from enstream.webhooks.services import webhook_endpoint_create
from tests.cast import Cast

ALL_SCOPES = ("read", "provision", "lifecycle", "webhooks")
MakeKey = Callable[..., tuple[ApiKey, str]]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast's eleven users would otherwise cost a million PBKDF2 rounds each per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _admin_of(cast: Cast, organisation: Organisation) -> Any:
    return {
        cast.maple.pk: cast.maple_admin,
        cast.prairie.pk: cast.prairie_admin,
        cast.outsider_org.pk: cast.outsider,
        cast.enstream.pk: cast.enstream_admin,
    }[organisation.pk]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def make_key(cast: Cast) -> MakeKey:
    """make_key(cast.maple, scopes=("read",), mode="sandbox", ...) -> (ApiKey, full key)."""

    def make(
        organisation: Organisation | None = None,
        *,
        scopes: tuple[str, ...] = ALL_SCOPES,
        **options: Any,
    ) -> tuple[ApiKey, str]:
        organisation = organisation or cast.maple
        options.setdefault("created_by", _admin_of(cast, organisation))
        options.setdefault("name", "card issuing back end")
        return apikey_create(organisation=organisation, scopes=scopes, **options)

    return make


@pytest.fixture
def make_endpoint(cast: Cast) -> Callable[..., tuple[WebhookEndpoint, str]]:
    def make(
        organisation: Organisation | None = None, **options: Any
    ) -> tuple[WebhookEndpoint, str]:
        options.setdefault("url", "https://hooks.bank.example/enstream")
        options.setdefault("event_types", ["credential.active", "job.failed"])
        return webhook_endpoint_create(organisation=organisation or cast.maple, **options)

    return make
