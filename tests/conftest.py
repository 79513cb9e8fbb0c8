import pytest

from tests.cast import Cast, build_cast
from tests.workers import celery_worker, celery_workers  # noqa: F401 - shared fixtures


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()
