"""Networks: account managers see every MNO with its wholesale terms and capacity; an MNO's
staff see their own network (capacity sold and used, SSDs per issuer) and no resale price."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.issuers.factories import World

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]

# What the world's standard price plan charges issuers: none of it may reach an MNO.
RESALE_FIGURES = ("Standard", "standard", "0.2500", "0.2000", "1.5000", "1.2000", "5000.0000")


def test_account_managers_see_every_network_with_capacity(world: World, as_user: SignIn) -> None:
    html = as_user("account_manager").get(reverse("networks:list")).content.decode()
    assert "Northwind Mobile" in html
    assert "Lakeshore Wireless" in html
    assert ">10,000<" in html  # SSD capacity bought from each
    assert ">1,000<" in html  # approved on Northwind


def test_a_network_detail_shows_wholesale_terms_and_capacity_to_enstream(
    world: World, as_user: SignIn
) -> None:
    url = reverse("networks:detail", kwargs={"pk": world.northwind.pk})
    html = as_user("account_manager").get(url).content.decode()
    assert "0.0800 CAD" in html  # per active SSD per month, what EnStream pays
    assert "SSDs sold" in html
    assert "Maple Bank of Canada" in html
    assert "RA-PRAIRIE-01" in html  # who is on the network, for the account manager


def test_an_mno_lands_on_its_own_network(world: World, as_user: SignIn) -> None:
    response = as_user("northwind_viewer").get(reverse("networks:ours"))
    assert response["Location"] == reverse("networks:detail", kwargs={"pk": world.northwind.pk})


def test_an_mno_sees_capacity_and_ssds_per_issuer_without_resale_prices(
    world: World, as_user: SignIn
) -> None:
    url = reverse("networks:detail", kwargs={"pk": world.northwind.pk})
    html = as_user("northwind_viewer").get(url).content.decode()
    assert "SSDs sold" in html
    assert "Maple Bank of Canada" in html
    assert "Prairie Credit Union Ltd." in html
    assert "0.0800 CAD" in html  # its own wholesale price
    for figure in RESALE_FIGURES:
        assert figure not in html, figure
    assert "RA-" not in html  # no resale agreement number either


def test_an_mno_sees_only_its_own_network_in_the_list(world: World, as_user: SignIn) -> None:
    client = as_user("northwind_viewer")
    html = client.get(reverse("networks:list")).content.decode()
    assert "Northwind Mobile" in html
    assert "Lakeshore Wireless" not in html
    other = reverse("networks:detail", kwargs={"pk": world.lakeshore.pk})
    assert client.get(other).status_code == 404


def test_the_mno_dashboard_shows_capacity_used_without_prices(
    world: World, as_user: SignIn
) -> None:
    html = as_user("northwind_viewer").get(reverse("portal:dashboard")).content.decode()
    assert "Capacity on your network" in html
    assert ">1,000<" in html
    for figure in RESALE_FIGURES:
        assert figure not in html, figure


def test_an_mno_sees_no_resale_price_on_an_allocation_of_its_network(
    world: World, as_user: SignIn
) -> None:
    url = reverse("issuers:allocation_detail", kwargs={"pk": world.maple_approved.pk})
    html = as_user("northwind_viewer").get(url).content.decode()
    for figure in RESALE_FIGURES:
        assert figure not in html, figure


@pytest.mark.parametrize("who", ["maple_admin", "maple_viewer", "prairie_admin"])
def test_banks_cannot_open_the_network_pages(who: str, world: World, as_user: SignIn) -> None:
    client = as_user(who)
    assert client.get(reverse("networks:list")).status_code == 403
    detail = reverse("networks:detail", kwargs={"pk": world.northwind.pk})
    assert client.get(detail).status_code == 404


def test_a_bank_sees_no_wholesale_price_anywhere_on_its_pages(
    world: World, as_user: SignIn
) -> None:
    client = as_user("maple_admin")
    pages = [
        reverse("portal:dashboard"),
        reverse("issuers:agreement_detail", kwargs={"pk": world.maple_agreement.pk}),
        reverse("issuers:allocation_list"),
        reverse("issuers:allocation_detail", kwargs={"pk": world.maple_approved.pk}),
        reverse("issuers:allocation_request"),
        reverse("billing:price_plan_detail", kwargs={"pk": world.plan.pk}),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for wholesale in ("0.0800", "0.0150", "0.3500", "WA-", "Wholesale"):
            assert wholesale not in html, (url, wholesale)
