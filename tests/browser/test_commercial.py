"""The commercial workspace in a real browser: an account manager onboards an issuer, writes
its agreement over two networks and approves SE space; a bank admin requests space; the
price-plan editor re-prices its worked example as a tier changes.

Everyone signs in through the login form with password and authenticator code."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from enstream.accounts.models import User
from issuers.models import Allocation, AllocationStatus, Issuer, LineStatus
from tests.accounts.helpers import add_authenticator, totp_code
from tests.cast import PASSWORD, Cast
from tests.issuers.factories import World, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def _sign_in(page: Page, base: str, user: User) -> None:
    add_authenticator(user)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".user-box__name")).to_be_visible()


def test_an_account_manager_onboards_an_issuer_on_two_networks_and_approves_space(
    page: Page, live_server, cast: Cast, world: World
) -> None:
    today = timezone.localdate()
    _sign_in(page, live_server.url, cast.account_manager)

    page.get_by_role("link", name="Issuers").click()
    page.get_by_role("link", name="New issuer").click()
    page.get_by_label("Legal name").fill("Tundra Transit Authority")
    page.get_by_label("Kind").select_option("transit")
    page.get_by_label("Visa").check()
    page.get_by_label("Contact name").fill("Tess Tundra")
    page.get_by_label("Contact email").fill("tess@tundra.example")
    page.get_by_role("button", name="Create issuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tundra Transit Authority")
    expect(page.get_by_text("is set up as a prospect")).to_be_visible()

    page.get_by_role("button", name="Make onboarding").click()
    expect(page.locator(".badge", has_text="Onboarding")).to_be_visible()

    page.get_by_role("link", name="New agreement").click()
    page.get_by_label("Takes effect on").fill(today.isoformat())
    page.get_by_label("Expires on").fill((today + timedelta(days=730)).isoformat())
    page.get_by_label("Price plan").select_option(label="Standard")
    page.get_by_role("button", name="Write draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resale agreement RA-")

    # A phase-in before the agreement starts is explained on the form.
    page.get_by_label("Network:", exact=True).select_option(label="Northwind Mobile")
    page.get_by_label("Phase in on").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Add network").click()
    expect(page.get_by_text(re.compile(r"is before agreement RA-\S+ takes effect"))).to_be_visible()

    for network in ("Northwind Mobile", "Lakeshore Wireless"):
        page.get_by_label("Network:", exact=True).select_option(label=network)
        page.get_by_label("Phase in on").fill(today.isoformat())
        page.get_by_role("button", name="Add network").click()
        expect(page.get_by_text(f"{network} phases in on")).to_be_visible()
    lines = page.locator("section[aria-labelledby='lines-heading'] tbody tr")
    expect(lines).to_have_count(2)

    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_text("is signed")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("is active")).to_be_visible()
    page.get_by_role("form", name="Phase in Northwind Mobile").get_by_role(
        "button", name="Phase in"
    ).click()
    expect(page.get_by_text("Northwind Mobile is live")).to_be_visible()

    tundra = Issuer.objects.get(legal_name="Tundra Transit Authority")
    agreement = tundra.agreements.get()
    assert agreement.status == "active"
    assert sorted(agreement.lines.values_list("status", flat=True)) == [
        LineStatus.LIVE,
        LineStatus.PLANNED,
    ]

    # Prairie asked for 300 SSDs on Northwind: 9,000 of its 10,000 are unsold.
    page.get_by_role("link", name="Approvals").click()
    request = world.prairie_requested
    row = page.get_by_role("form", name=f"Approve #{request.pk}")
    row.get_by_label("Cap (SSDs)").fill("9500")
    row.get_by_role("button", name="Approve").click()
    error = page.locator("#id_approve_cap_error")
    expect(error).to_contain_text("would oversell Northwind Mobile's wholesale capacity")
    expect(error).to_contain_text("by 500 SSDs")
    page.get_by_label("Cap (SSDs)").fill("300")
    page.get_by_role("form", name="Approve").get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Allocation #{request.pk} is approved.")).to_be_visible()
    request.refresh_from_db()
    assert request.status == AllocationStatus.APPROVED
    assert request.approved_cap == 300


def test_a_bank_admin_requests_se_space_and_follows_it(
    page: Page, live_server, cast: Cast, world: World
) -> None:
    _sign_in(page, live_server.url, cast.maple_admin)
    page.get_by_role("link", name="SE space").click()
    page.get_by_role("link", name="Request SE space").click()
    page.get_by_label("Network").select_option(value=str(world.maple_northwind.pk))
    page.get_by_label("Non-volatile quota per SSD (bytes)").fill("-1")
    page.get_by_label("Volatile quota per SSD (bytes):", exact=True).fill("8000")
    page.get_by_label("SSDs expected").fill("400")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 1.")).to_be_visible()

    page.get_by_label("Non-volatile quota per SSD (bytes)").fill("32000")
    page.get_by_label("New SSDs per month (forecast)").fill("40")
    page.get_by_label("Delegated management").check()
    page.get_by_label("Note").fill("Loyalty card pilot")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("an account manager will decide on it")).to_be_visible()
    expect(page.locator(".details .badge")).to_have_text("Requested")

    allocation = Allocation.objects.get(note="Loyalty card pilot")
    assert allocation.network_line == world.maple_northwind
    assert allocation.requested_by == cast.maple_admin
    page.get_by_role("link", name="SE space").click()
    expect(page.get_by_role("link", name=str(allocation.pk), exact=True)).to_be_visible()
    expect(page.get_by_text("Prairie Credit Union")).to_have_count(0)


def test_the_price_plan_editor_reprices_its_example_as_a_tier_changes(
    page: Page, live_server, cast: Cast, world: World
) -> None:
    _sign_in(page, live_server.url, cast.account_manager)
    page.goto(f"{live_server.url}/billing/price-plans/{world.plan.pk}/versions/new/")
    volumes = page.locator("#example-volumes")
    # 10,000 active SSDs at 5 % off: 10,000 x 0.2375.
    expect(volumes).to_contain_text("2,375.00")
    page.locator("[name='active_ssd_month-price-0']").fill("0.3000")
    # No submit: the script posts the form and swaps in the server's figures (0.285).
    expect(page.locator("#example-volumes")).to_contain_text("2,850.00")
    page.locator("[name='active_ssd_month-price-0']").fill("-1")
    expect(page.locator("#worked-example")).to_contain_text(
        "Active SSD per month, tier 1: unit price: Ensure this value is greater than or equal to 0"
    )
