import pytest

from mno.models import MNO
from tests.cast import Cast
from tests.mno.factories import MnoFactory


@pytest.fixture
def northwind(cast: Cast) -> MNO:
    return MnoFactory(organisation=cast.northwind, name="Northwind Mobile", short_code="NWM")


@pytest.fixture
def lakeshore(db: None) -> MNO:
    return MnoFactory(name="Lakeshore Wireless", short_code="LKW")
