import pytest

from tests.cast import Cast
from tests.issuers.factories import World, build_world


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)
