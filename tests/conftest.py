from typing import Any

import pytest

from tests.cast import Cast, build_cast
from tests.workers import celery_worker, celery_workers  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast's users would otherwise cost a million PBKDF2 rounds each, in every test.
    # Production hashing is untouched; tests that check hashing itself override this.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()
