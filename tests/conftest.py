import uuid
from typing import Any

import pytest
from django.conf import settings

from tests.cast import Cast, build_cast
from tests.workers import celery_worker, celery_workers  # noqa: F401 - shared fixtures

# Each run its own cache namespace (the worker processes get it too, tests/workers.py): the
# counters kept in Redis (reset-mail caps, rate limits) are keyed by ids that a fresh test
# database hands out again, and must not carry over from an earlier run on the same Redis db.
settings.CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The cast's users would otherwise cost a million PBKDF2 rounds each, in every test.
    # Production hashing is untouched; tests that check hashing itself override this.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()
