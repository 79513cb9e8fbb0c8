"""Paths under /api/ that match no endpoint, and wrong methods, answer in the one error shape;
the portal keeps its HTML 404 page."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.helpers import login_verified
from tests.api.conftest import MakeKey, bearer
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing",
        "/api/v1/credentials/",  # the API's paths take no trailing slash
        "/api/v1/agreements/0.5",  # an integer id spelled otherwise matches no route
        "/api/v2/credentials",
        "/api/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_under_api_that_matches_no_endpoint_answers_a_json_404(
    api: APIClient, make_key: MakeKey, path: str, method: str
) -> None:
    _, raw = make_key()
    response = getattr(api, method)(path, **bearer(raw))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"]


def test_the_json_404_needs_no_key_and_does_not_echo_the_path(api: APIClient) -> None:
    response = api.get("/api/v1/cards/4111111111111111")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "4111111111111111" not in response.content.decode()


def test_a_wrong_method_on_an_endpoint_answers_405_in_the_error_shape(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key()
    response = api.delete("/api/v1/eligibility", **bearer(raw))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
    listing = api.put("/api/v1/credentials", {}, format="json", **bearer(raw))
    assert listing.status_code == 405
    assert listing.json()["error"]["code"] == "method_not_allowed"


def test_the_reference_pages_without_their_slash_still_redirect(client: Client) -> None:
    for page in ("/api/docs", "/api/redoc", "/api/schema"):
        response = client.get(page)
        assert response.status_code == 301
        assert response["Location"] == f"{page}/"


def test_a_portal_page_that_does_not_exist_keeps_the_html_404(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_admin)
    for path in ("/no-such-page/", "/api-keys/no-such-key/", "/webhooks/nothing/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
