"""Every service's refusal reaches an API client in the one error shape, with its status."""

import pytest

from enstream.api.exceptions import api_exception_handler
from issuers.errors import CommercialError
from mno.errors import RegistryError
from provisioning.errors import ProvisioningError


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (CommercialError("oversold", "Approving 500 SSDs would oversell.", field="cap"), 400),
        (ProvisioningError("invalid_state", "Not waiting.", status=409), 409),
        (RegistryError("invalid_iccid", "Not an ICCID.", field="iccid"), 400),
    ],
)
def test_a_services_refusal_answers_its_code_message_field_and_status(
    refusal: Exception, status: int
) -> None:
    response = api_exception_handler(refusal, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == {
        "error": {"code": refusal.code, "message": refusal.message, "field": refusal.field}
    }


def test_details_travel_with_the_refusal() -> None:
    refusal = CommercialError("allocation_full", "Full.", details={"remaining": 0})
    response = api_exception_handler(refusal, {})
    assert response.data["error"]["details"] == {"remaining": 0}
