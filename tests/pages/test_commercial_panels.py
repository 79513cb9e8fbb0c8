"""The commercial dashboard panels: approvals waiting (account managers), a bank's networks,
an MNO's capacity."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.issuers.factories import World

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]


def _dashboard(client: Client) -> str:
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_account_managers_see_how_many_requests_wait(world: World, as_user: SignIn) -> None:
    html = _dashboard(as_user("account_manager"))
    panel = html[html.index("SE space approvals") :]
    assert "<dt>Requests waiting</dt><dd>2</dd>" in panel
    assert reverse("issuers:approvals") in panel


def test_staff_who_do_not_decide_get_no_approvals_panel(world: World, as_user: SignIn) -> None:
    assert "SE space approvals" not in _dashboard(as_user("operations"))


def test_a_bank_sees_its_networks_live_and_phasing_in(world: World, as_user: SignIn) -> None:
    html = _dashboard(as_user("maple_viewer"))
    panel = html[html.index("Your networks") :]
    assert "<dt>Networks live</dt><dd>2</dd>" in panel
    assert "Lakeshore Wireless: live since" in panel
    assert "Northwind Mobile: live since" in panel


def test_a_bank_sees_no_other_banks_networks(world: World, as_user: SignIn) -> None:
    html = _dashboard(as_user("prairie_viewer"))
    panel = html[html.index("Your networks") :]
    assert "<dt>Networks live</dt><dd>1</dd>" in panel
    assert "Lakeshore" not in panel


def test_an_mno_sees_its_capacity_sold_and_used(world: World, as_user: SignIn) -> None:
    html = _dashboard(as_user("northwind_viewer"))
    panel = html[html.index("Capacity on your network") :]
    assert "<dt>SSDs sold</dt><dd>1,000</dd>" in panel
    assert "<dt>SSDs created</dt><dd>120</dd>" in panel
    assert "<dt>Capacity</dt><dd>10,000</dd>" in panel


def test_an_mno_not_yet_set_up_gets_no_capacity_panel(as_user: SignIn, cast) -> None:
    assert "Capacity on your network" not in _dashboard(as_user("northwind_viewer"))


def test_the_navigation_leads_each_kind_to_its_commercial_pages(
    world: World, as_user: SignIn
) -> None:
    manager = _dashboard(as_user("account_manager"))
    for link in ("/issuers/", "/issuers/agreements/", "/issuers/space/approvals/", "/networks/"):
        assert f'href="{link}"' in manager
    bank = _dashboard(as_user("maple_viewer"))
    assert 'href="/issuers/agreements/ours/"' in bank
    assert 'href="/networks/"' not in bank
    network = _dashboard(as_user("northwind_viewer"))
    assert 'href="/networks/ours/"' in network
    assert 'href="/billing/price-plans/"' not in network
