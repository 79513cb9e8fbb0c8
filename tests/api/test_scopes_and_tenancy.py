from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from enstream.accounts.roles import Perm
from enstream.api.permissions import HasScope
from enstream.audit.context import actor_context
from enstream.webhooks.models import WebhookEndpoint
from tests.accounts.helpers import login_verified
from tests.api.conftest import MakeKey, bearer
from tests.cast import Cast

URL = "/api/v1/webhooks"
NEW_ENDPOINT = {"url": "https://hooks.bank.example/in", "event_types": ["job.failed"]}


class OperatorOnly(APIView):
    """Stands for an operator endpoint (retrying a failed job) until the real ones exist."""

    permission_classes = [HasScope("lifecycle", perm=Perm.JOBS_OPERATE)]

    def get(self, request: object) -> Response:
        return Response({"ok": True})


def call_operator_view(raw: str) -> Response:
    request = APIRequestFactory().get("/ops", **bearer(raw))
    with actor_context():
        return OperatorOnly.as_view()(request)


def test_a_key_without_the_scope_is_refused_with_insufficient_scope(
    api: APIClient, make_key: MakeKey
) -> None:
    _, raw = make_key(scopes=("read", "provision"))
    for response in (
        api.get(URL, **bearer(raw)),
        api.post(URL, NEW_ENDPOINT, format="json", HTTP_IDEMPOTENCY_KEY="k1", **bearer(raw)),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "insufficient_scope"
    assert not WebhookEndpoint.objects.exists()


def test_an_issuer_key_never_reaches_an_operator_endpoint_whatever_its_scopes(
    make_key: MakeKey,
) -> None:
    _, raw = make_key(scopes=("read", "provision", "lifecycle", "webhooks"))
    assert call_operator_view(raw).status_code == 403


def test_a_staff_key_does_what_its_persons_role_allows(cast: Cast, make_key: MakeKey) -> None:
    _, operations = make_key(cast.enstream, user=cast.operations, scopes=("lifecycle",))
    _, finance = make_key(cast.enstream, user=cast.finance, scopes=("lifecycle",))
    _, unscoped = make_key(cast.enstream, user=cast.operations, scopes=("read",))
    assert call_operator_view(operations).status_code == 200
    assert call_operator_view(finance).status_code == 403
    assert call_operator_view(unscoped).status_code == 403


def test_a_session_needs_the_role_permission(api: APIClient, cast: Cast) -> None:
    login_verified(api, cast.maple_viewer)
    response = api.get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_staff_key_cannot_manage_an_issuers_webhooks(
    api: APIClient, cast: Cast, make_key: MakeKey
) -> None:
    _, raw = make_key(cast.enstream, user=cast.enstream_admin, scopes=("webhooks",))
    assert api.get(URL, **bearer(raw)).status_code == 403


@pytest.mark.parametrize("intruder", ["prairie", "outsider_org"])
def test_another_issuers_key_gets_404_on_maples_endpoint_and_lists_nothing_of_hers(
    api: APIClient,
    cast: Cast,
    make_key: MakeKey,
    make_endpoint: Callable,
    intruder: str,
) -> None:
    endpoint, _ = make_endpoint(cast.maple)
    _, raw = make_key(getattr(cast, intruder))
    detail = f"{URL}/{endpoint.pk}"
    assert api.get(URL, **bearer(raw)).json() == []
    assert api.get(detail, **bearer(raw)).status_code == 404
    assert api.delete(detail, **bearer(raw)).status_code == 404
    rotate = api.post(f"{detail}/rotate-secret", HTTP_IDEMPOTENCY_KEY="r1", **bearer(raw))
    assert rotate.status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_maples_own_key_sees_reads_and_deletes_her_endpoint(
    api: APIClient, cast: Cast, make_key: MakeKey, make_endpoint: Callable
) -> None:
    endpoint, _ = make_endpoint(cast.maple)
    _, raw = make_key(cast.maple)
    assert [item["id"] for item in api.get(URL, **bearer(raw)).json()] == [str(endpoint.pk)]
    assert api.get(f"{URL}/{endpoint.pk}", **bearer(raw)).status_code == 200
    assert api.delete(f"{URL}/{endpoint.pk}", **bearer(raw)).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_sandbox_key_sees_and_makes_sandbox_endpoints_only(
    api: APIClient, cast: Cast, make_key: MakeKey, make_endpoint: Callable
) -> None:
    make_endpoint(cast.maple, mode="live")
    _, sandbox = make_key(cast.maple, mode="sandbox")
    assert api.get(URL, **bearer(sandbox)).json() == []
    created = api.post(
        URL, NEW_ENDPOINT, format="json", HTTP_IDEMPOTENCY_KEY="s1", **bearer(sandbox)
    )
    assert created.json()["mode"] == "sandbox"
    assert [item["mode"] for item in api.get(URL, **bearer(sandbox)).json()] == ["sandbox"]


class WhoAmI(APIView):
    def get(self, request: Any) -> Response:
        return Response(
            {
                "issuer": request.issuer.slug if request.issuer else None,
                "mode": request.mode,
                "organisation": request.user.organisation.slug,
                "key": request.auth.prefix if request.auth else None,
            }
        )


def whoami(**headers: str) -> dict:
    with actor_context():
        return WhoAmI.as_view()(APIRequestFactory().get("/whoami", **headers)).data


def test_a_view_knows_the_callers_issuer_and_mode(cast: Cast, make_key: MakeKey) -> None:
    live, live_raw = make_key(cast.maple)
    _, sandbox_raw = make_key(cast.maple, mode="sandbox")
    staff, staff_raw = make_key(cast.enstream, user=cast.operations, scopes=("read",))
    assert whoami(**bearer(live_raw)) == {
        "issuer": "maple",
        "mode": "live",
        "organisation": "maple",
        "key": live.prefix,
    }
    assert whoami(**bearer(sandbox_raw))["mode"] == "sandbox"
    assert whoami(**bearer(staff_raw)) == {
        "issuer": None,
        "mode": "live",
        "organisation": "enstream",
        "key": staff.prefix,
    }
