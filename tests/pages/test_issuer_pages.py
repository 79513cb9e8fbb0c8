"""Issuers: the list and one issuer for account managers (with status moves), a bank's view
of itself, and onboarding a new issuer."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from enstream.accounts.models import Organisation
from issuers.models import Issuer, IssuerStatus
from tests.issuers.factories import World

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]


@pytest.mark.parametrize("who", ["enstream_admin", "account_manager", "operations", "finance"])
def test_enstream_staff_see_every_issuer_in_the_list(who: str, world: World, as_user: SignIn):
    page = as_user(who).get(reverse("issuers:list")).content.decode()
    for name in ("Maple Bank of Canada", "Prairie Credit Union Ltd.", "Outsider Bank"):
        assert name in page


def test_a_network_cannot_open_the_issuer_list(world: World, as_user: SignIn) -> None:
    assert as_user("northwind_viewer").get(reverse("issuers:list")).status_code == 403


def test_a_bank_sees_only_itself_on_the_issuer_pages(world: World, as_user: SignIn) -> None:
    client = as_user("maple_viewer")
    page = client.get(reverse("issuers:list")).content.decode()
    assert "Maple Bank of Canada" in page
    assert "Prairie" not in page
    assert client.get(reverse("issuers:detail", kwargs={"pk": world.maple.pk})).status_code == 200
    other = client.get(reverse("issuers:detail", kwargs={"pk": world.prairie.pk}))
    assert other.status_code == 404


def test_an_account_manager_creates_an_issuer_as_a_prospect(as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:create"),
        {
            "legal_name": "Tundra Transit Authority",
            "kind": "transit",
            "payment_networks": ["visa", "interac"],
            "contact_name": "Tess",
            "contact_email": "tess@tundra.example",
        },
    )
    issuer = Issuer.objects.get(legal_name="Tundra Transit Authority")
    assert response.status_code == 302
    assert response["Location"] == reverse("issuers:detail", kwargs={"pk": issuer.pk})
    assert issuer.status == IssuerStatus.PROSPECT
    assert issuer.organisation.kind == "issuer"
    assert issuer.contacts[0]["email"] == "tess@tundra.example"


def test_creating_an_issuer_with_a_taken_name_says_so_on_the_form(as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:create"), {"legal_name": "Maple Bank", "kind": "bank"}
    )
    assert response.status_code == 200
    assert "An organisation named Maple Bank exists." in response.content.decode()
    assert not Issuer.objects.exists()


def test_a_contact_without_an_email_or_phone_is_a_form_error(as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:create"),
        {"legal_name": "Aurora Credit", "kind": "credit_union", "contact_name": "Ann"},
    )
    assert "Give an email or a phone for Ann." in response.content.decode()
    assert not Organisation.objects.filter(name="Aurora Credit").exists()


@pytest.mark.parametrize("who", ["operations", "finance"])
def test_enstream_staff_without_the_permission_cannot_create_an_issuer(
    who: str, as_user: SignIn
) -> None:
    assert as_user(who).get(reverse("issuers:create")).status_code == 403


def test_suspending_a_live_issuer_needs_a_reason(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    url = reverse("issuers:transition", kwargs={"pk": world.maple.pk})
    response = client.post(url, {"to": "suspended", "reason": " "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    world.maple.refresh_from_db()
    assert world.maple.status == IssuerStatus.LIVE

    response = client.post(url, {"to": "suspended", "reason": "Unpaid invoices"})
    assert response.status_code == 302
    world.maple.refresh_from_db()
    assert world.maple.status == IssuerStatus.SUSPENDED


def test_a_move_the_status_table_lacks_is_refused_with_a_message(
    world: World, as_user: SignIn
) -> None:
    url = reverse("issuers:transition", kwargs={"pk": world.maple.pk})
    response = as_user("account_manager").post(url, {"to": "prospect"})
    assert "This issuer is live: it cannot become prospect." in response.content.decode()


def test_the_issuer_page_offers_only_the_moves_the_role_may_make(
    world: World, as_user: SignIn
) -> None:
    url = reverse("issuers:detail", kwargs={"pk": world.maple.pk})
    manager_page = as_user("account_manager").get(url).content.decode()
    assert "Make suspended" in manager_page
    assert "Make terminated" in manager_page
    viewer_page = as_user("maple_admin").get(url).content.decode()
    assert "Make suspended" not in viewer_page
    assert "New agreement" not in viewer_page


def test_a_bank_admin_cannot_change_their_own_status(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:transition", kwargs={"pk": world.maple.pk})
    assert as_user("maple_admin").post(url, {"to": "suspended", "reason": "x"}).status_code == 403


def test_the_issuer_page_shows_who_changed_it_and_when(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    client.post(
        reverse("issuers:transition", kwargs={"pk": world.maple.pk}),
        {"to": "suspended", "reason": "Unpaid invoices"},
    )
    page = client.get(reverse("issuers:detail", kwargs={"pk": world.maple.pk})).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "amir" in history  # the account manager's name
    assert "Live → Suspended" in history
    assert "Unpaid invoices" in history
