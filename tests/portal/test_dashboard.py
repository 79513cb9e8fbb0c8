import pytest
from django.test import Client
from django.urls import reverse

from enstream.audit.services import audit_record
from enstream.portal import dashboard
from enstream.portal.navigation import MNO
from tests.accounts.helpers import login_verified
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _page(client: Client) -> str:
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_enstream_staff_see_every_tenant(client: Client, cast: Cast) -> None:
    login_verified(client, cast.operations)
    page = _page(client)
    assert "EnStream operations" in page
    assert "Tenants" in page
    for name in ("Maple Bank", "Prairie Credit Union", "Northwind Mobile", "Outsider Bank"):
        assert name in page


def test_an_issuer_sees_their_organisation_and_no_one_elses(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_viewer)
    page = _page(client)
    assert "Your organisation" in page
    assert "Maple Bank" in page
    assert "Prairie Credit Union" not in page
    assert "Tenants" not in page
    assert "Issuer viewer: 1" in page


def test_an_mno_sees_their_network(client: Client, cast: Cast) -> None:
    login_verified(client, cast.northwind_viewer)
    page = _page(client)
    assert "Your network" in page
    assert "Northwind Mobile" in page
    assert "Maple Bank" not in page


def test_org_admins_see_their_recent_activity(client: Client, cast: Cast) -> None:
    audit_record(action="allocation_requested", organisation=cast.maple)
    audit_record(action="user_invited", organisation=cast.prairie)
    login_verified(client, cast.maple_admin)
    page = _page(client)
    assert "Recent activity" in page
    assert "allocation_requested" in page
    assert "user_invited" not in page


def test_viewers_get_no_activity_panel(client: Client, cast: Cast) -> None:
    login_verified(client, cast.maple_viewer)
    assert "Recent activity" not in _page(client)


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_app_adds_a_panel_for_its_organisation_kind(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "PANELS", dict(dashboard.PANELS))

    @dashboard.dashboard_panel(
        title="Network usage", template="portal/panels/organisation.html", org_kinds=MNO
    )
    def usage(request: object) -> dict:
        return {"organisation": cast.northwind, "user_count": 7, "roles": []}

    @dashboard.dashboard_panel(title="Hidden today", template="portal/panels/organisation.html")
    def nothing(request: object) -> None:
        return None

    login_verified(client, cast.northwind_viewer)
    page = _page(client)
    assert "Network usage" in page
    assert "Hidden today" not in page

    login_verified(client, cast.maple_viewer)
    assert "Network usage" not in _page(client)
