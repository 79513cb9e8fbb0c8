"""SE space: a bank requests it and follows it against its cap; account managers decide in the
approvals queue, where overselling a network is refused with the amount."""

from collections.abc import Callable
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from issuers.models import Allocation, AllocationStatus
from tests.cast import Cast
from tests.issuers.factories import World

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]


def _request(world: World, **overrides: object) -> dict[str, object]:
    data = {
        "network_line": world.maple_northwind.pk,
        "nv_quota_bytes": 32000,
        "v_quota_bytes": 8000,
        "expected_ssds": 250,
        "monthly_forecast": 20,
        "privileges": ["delegated_management"],
        "note": "Second card programme",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["maple_admin", "maple_operator"])
def test_bank_writers_request_space_on_their_own_networks(
    who: str, world: World, as_user: SignIn, cast: Cast
) -> None:
    client = as_user(who)
    form = client.get(reverse("issuers:allocation_request")).content.decode()
    assert "Northwind Mobile" in form
    assert "Prairie" not in form
    response = client.post(reverse("issuers:allocation_request"), _request(world))
    allocation = Allocation.objects.get(note="Second card programme")
    assert response["Location"] == reverse(
        "issuers:allocation_detail", kwargs={"pk": allocation.pk}
    )
    assert allocation.status == AllocationStatus.REQUESTED
    assert allocation.requested_by == getattr(cast, who)


def test_a_bank_viewer_may_not_request_space(world: World, as_user: SignIn) -> None:
    assert as_user("maple_viewer").get(reverse("issuers:allocation_request")).status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nv_quota_bytes", -1, "Ensure this value is greater than or equal to 1."),
        ("v_quota_bytes", 0, "Ensure this value is greater than or equal to 1."),
        ("expected_ssds", "many", "Enter a whole number."),
        ("monthly_forecast", -5, "Ensure this value is greater than or equal to 0."),
        ("nv_quota_bytes", 2**40, "Ensure this value is less than or equal to 2147483647."),
    ],
)
def test_bad_quotas_and_counts_are_form_errors(
    field: str, value: object, message: str, world: World, as_user: SignIn
) -> None:
    response = as_user("maple_admin").post(
        reverse("issuers:allocation_request"), _request(world, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Allocation.objects.filter(note="Second card programme").exists()


def test_conflicting_privileges_are_a_form_error(world: World, as_user: SignIn) -> None:
    response = as_user("maple_admin").post(
        reverse("issuers:allocation_request"),
        _request(world, privileges=["delegated_management", "authorized_management"]),
    )
    assert "Delegated and authorized management exclude each other" in response.content.decode()


def test_a_bank_cannot_request_space_on_another_banks_network_line(
    world: World, as_user: SignIn
) -> None:
    response = as_user("maple_admin").post(
        reverse("issuers:allocation_request"),
        _request(world, network_line=world.prairie_northwind.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_bank_follows_its_requests_and_usage_against_caps(world: World, as_user: SignIn) -> None:
    client = as_user("maple_viewer")
    listing = client.get(reverse("issuers:allocation_list")).content.decode()
    assert f'href="/issuers/space/{world.maple_approved.pk}/"' in listing
    assert f'href="/issuers/space/{world.prairie_requested.pk}/"' not in listing
    detail = client.get(
        reverse("issuers:allocation_detail", kwargs={"pk": world.maple_approved.pk})
    ).content.decode()
    assert "Usage against the cap" in detail
    assert ">1,000<" in detail  # the cap
    assert ">120<" in detail  # SSDs created
    assert ">880<" in detail  # remaining
    assert "12%" in detail
    # Wholesale capacity is EnStream's: a bank sees its own cap, not the network's.
    assert "already sold" not in detail


def test_another_bank_gets_404_on_an_allocation(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:allocation_detail", kwargs={"pk": world.maple_approved.pk})
    assert as_user("prairie_admin").get(url).status_code == 404


def test_the_network_sees_allocations_on_its_network_only(world: World, as_user: SignIn) -> None:
    client = as_user("northwind_viewer")
    on_network = reverse("issuers:allocation_detail", kwargs={"pk": world.maple_approved.pk})
    elsewhere = reverse("issuers:allocation_detail", kwargs={"pk": world.maple_requested.pk})
    page = client.get(on_network).content.decode()
    assert "Maple Bank of Canada" in page
    assert "RA-MAPLE-01" not in page  # the agreement (where the resale price lives) stays hidden
    assert client.get(elsewhere).status_code == 404


def test_the_approvals_queue_lists_requests_oldest_first(world: World, as_user: SignIn) -> None:
    page = as_user("account_manager").get(reverse("issuers:approvals")).content.decode()
    maple = page.index(f'href="/issuers/space/{world.maple_requested.pk}/"')
    prairie = page.index(f'href="/issuers/space/{world.prairie_requested.pk}/"')
    assert maple < prairie
    assert f'href="/issuers/space/{world.maple_approved.pk}/"' not in page


@pytest.mark.parametrize("who", ["operations", "finance", "maple_admin", "northwind_viewer"])
def test_only_account_managers_open_the_approvals_queue(
    who: str, world: World, as_user: SignIn
) -> None:
    assert as_user(who).get(reverse("issuers:approvals")).status_code == 403


def test_an_approval_from_the_queue_returns_to_the_queue(world: World, as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:allocation_approve", kwargs={"pk": world.prairie_requested.pk}),
        {"cap": 300, "next": "queue"},
    )
    assert response["Location"] == reverse("issuers:approvals")
    world.prairie_requested.refresh_from_db()
    assert world.prairie_requested.status == AllocationStatus.APPROVED
    assert world.prairie_requested.approved_cap == 300


def test_overselling_a_network_is_a_form_error_with_the_amount(
    world: World, as_user: SignIn
) -> None:
    # Northwind: 10,000 SSDs bought, 1,000 sold to Maple. 9,500 more oversell by 500.
    response = as_user("account_manager").post(
        reverse("issuers:allocation_approve", kwargs={"pk": world.prairie_requested.pk}),
        {"cap": 9500, "next": "queue"},
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    error = html[html.index('id="id_approve_cap_error"') :]
    assert "would oversell Northwind Mobile's wholesale capacity by 500 SSDs" in error[:600]
    world.prairie_requested.refresh_from_db()
    assert world.prairie_requested.status == AllocationStatus.REQUESTED


def test_selling_exactly_the_capacity_is_allowed(world: World, as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:allocation_approve", kwargs={"pk": world.prairie_requested.pk}),
        {"cap": 9000},
    )
    assert response.status_code == 302


def test_a_cap_that_is_not_a_positive_number_is_a_form_error(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:allocation_approve", kwargs={"pk": world.prairie_requested.pk})
    client = as_user("account_manager")
    assert "Enter a whole number." in client.post(url, {"cap": "lots"}).content.decode()
    assert "greater than or equal to 1" in client.post(url, {"cap": -3}).content.decode()


def test_rejecting_needs_a_reason(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    url = reverse("issuers:allocation_reject", kwargs={"pk": world.prairie_requested.pk})
    assert "This field is required." in client.post(url, {"reason": ""}).content.decode()
    assert client.post(url, {"reason": "Forecast too vague"}).status_code == 302
    world.prairie_requested.refresh_from_db()
    assert world.prairie_requested.status == AllocationStatus.REJECTED
    assert world.prairie_requested.decision_reason == "Forecast too vague"


def test_deciding_twice_is_refused_with_a_message(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    url = reverse("issuers:allocation_reject", kwargs={"pk": world.maple_approved.pk})
    html = client.post(url, {"reason": "Changed my mind"}).content.decode()
    assert "This SE space allocation is approved: it cannot become rejected." in html


def test_a_bank_admin_cancels_its_own_request(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:allocation_cancel", kwargs={"pk": world.maple_requested.pk})
    assert as_user("maple_admin").post(url, {"reason": ""}).status_code == 302
    world.maple_requested.refresh_from_db()
    assert world.maple_requested.status == AllocationStatus.CANCELLED


def test_a_bank_admin_cannot_approve_its_own_request(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:allocation_approve", kwargs={"pk": world.maple_requested.pk})
    assert as_user("maple_admin").post(url, {"cap": 10}).status_code == 403


def test_the_allocation_history_shows_the_decision_and_who_made_it(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    client.post(
        reverse("issuers:allocation_reject", kwargs={"pk": world.prairie_requested.pk}),
        {"reason": "Forecast too vague"},
    )
    html = client.get(
        reverse("issuers:allocation_detail", kwargs={"pk": world.prairie_requested.pk})
    ).content.decode()
    history = html[html.index('id="history-heading"') :]
    assert "Requested → Rejected" in history
    assert "amir" in history
