"""The agreement editor: a draft, its networks and phase-in dates, sign, activate, end; and a
bank's read-only view of its own agreement."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from issuers.models import AgreementStatus, LineStatus, ResaleAgreement
from tests.issuers.factories import World
from tests.mno.factories import MnoFactory

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]


def _today() -> date:
    return timezone.localdate()


def _draft(world: World, client: Client, *, today: bool = False) -> ResaleAgreement:
    """A draft from today for the outsider bank, which has no agreement; otherwise Prairie's
    next agreement, after its current one expires."""
    issuer = world.outsider if today else world.prairie
    start = _today() if today else world.prairie_agreement.expires_on + timedelta(days=1)
    response = client.post(
        reverse("issuers:agreement_create", kwargs={"pk": issuer.pk}),
        {
            "effective_on": start,
            "expires_on": start + timedelta(days=365),
            "price_plan": world.plan.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    return ResaleAgreement.objects.get(issuer=issuer, effective_on=start)


def test_an_account_manager_writes_a_draft_and_adds_two_networks(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client)
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.number == "RA-PRAIRIE-02"
    for mno in (world.northwind, world.lakeshore):
        response = client.post(
            reverse("issuers:line_add", kwargs={"pk": agreement.pk}),
            {"mno": mno.pk, "phase_in_on": agreement.effective_on},
        )
        assert response.status_code == 302
    page = client.get(reverse("issuers:agreement_detail", kwargs={"pk": agreement.pk}))
    html = page.content.decode()
    assert "Northwind Mobile" in html
    assert "Lakeshore Wireless" in html
    assert agreement.lines.filter(status=LineStatus.PLANNED).count() == 2


def test_overlapping_agreements_are_a_form_error(world: World, as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:agreement_create", kwargs={"pk": world.maple.pk}),
        {
            "effective_on": _today(),
            "expires_on": _today() + timedelta(days=30),
            "price_plan": world.plan.pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has agreement RA-MAPLE-01" in html
    assert "terms cannot overlap" in html
    assert ResaleAgreement.objects.filter(issuer=world.maple).count() == 1


def test_an_expiry_before_the_start_is_a_form_error(world: World, as_user: SignIn) -> None:
    start = world.prairie_agreement.expires_on + timedelta(days=10)
    response = as_user("account_manager").post(
        reverse("issuers:agreement_create", kwargs={"pk": world.prairie.pk}),
        {
            "effective_on": start,
            "expires_on": start - timedelta(days=1),
            "price_plan": world.plan.pk,
        },
    )
    assert "must expire on or after the day it takes effect" in response.content.decode()


def test_a_date_that_is_not_a_date_is_a_form_error(world: World, as_user: SignIn) -> None:
    response = as_user("account_manager").post(
        reverse("issuers:agreement_create", kwargs={"pk": world.prairie.pk}),
        {"effective_on": "next tuesday", "expires_on": "", "price_plan": world.plan.pk},
    )
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_a_phase_in_before_the_agreement_starts_is_a_form_error(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client)
    response = client.post(
        reverse("issuers:line_add", kwargs={"pk": agreement.pk}),
        {"mno": world.northwind.pk, "phase_in_on": agreement.effective_on - timedelta(days=1)},
    )
    assert response.status_code == 200
    assert f"is before agreement {agreement.number} takes effect" in response.content.decode()
    assert not agreement.lines.exists()


def test_a_network_without_a_wholesale_agreement_is_a_form_error(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client)
    unbought = MnoFactory(name="Borealis Telecom", short_code="BRT")
    response = client.post(
        reverse("issuers:line_add", kwargs={"pk": agreement.pk}),
        {"mno": unbought.pk, "phase_in_on": agreement.effective_on},
    )
    html = response.content.decode()
    assert "Borealis Telecom has no wholesale agreement in force" in html
    assert "cannot resell space it has not bought" in html


def test_signing_a_draft_without_networks_is_refused_with_a_message(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client)
    response = client.post(reverse("issuers:agreement_sign", kwargs={"pk": agreement.pk}))
    assert response.status_code == 200
    assert "covers no network yet" in response.content.decode()


def test_an_agreement_is_signed_activated_and_its_network_phased_in(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client, today=True)
    client.post(
        reverse("issuers:line_add", kwargs={"pk": agreement.pk}),
        {"mno": world.lakeshore.pk, "phase_in_on": _today()},
    )
    for action in ("agreement_sign", "agreement_activate"):
        response = client.post(reverse(f"issuers:{action}", kwargs={"pk": agreement.pk}))
        assert response.status_code == 302, response.content.decode()
    line = agreement.lines.get()
    response = client.post(reverse("issuers:line_phase_in", kwargs={"pk": line.pk}), {"on": ""})
    assert response.status_code == 302
    line.refresh_from_db()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert line.status == LineStatus.LIVE
    assert line.live_from == _today()


def test_ending_an_agreement_needs_a_reason_and_withdraws_its_networks(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    url = reverse("issuers:agreement_end", kwargs={"pk": world.maple_agreement.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(url, {"reason": "Bank left the programme"})
    assert response.status_code == 302
    assert not world.maple_agreement.lines.exclude(status=LineStatus.WITHDRAWN).exists()


def test_withdrawing_a_network_needs_a_reason(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    url = reverse("issuers:line_withdraw", kwargs={"pk": world.maple_lakeshore.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert client.post(url, {"reason": "Network sunset"}).status_code == 302
    world.maple_lakeshore.refresh_from_db()
    assert world.maple_lakeshore.status == LineStatus.WITHDRAWN


def test_rescheduling_moves_a_planned_phase_in_date(world: World, as_user: SignIn) -> None:
    client = as_user("account_manager")
    agreement = _draft(world, client)
    client.post(
        reverse("issuers:line_add", kwargs={"pk": agreement.pk}),
        {"mno": world.northwind.pk, "phase_in_on": agreement.effective_on},
    )
    line = agreement.lines.get()
    later = agreement.effective_on + timedelta(days=31)
    url = reverse("issuers:line_reschedule", kwargs={"pk": line.pk})
    assert client.post(url, {"phase_in_on": later}).status_code == 302
    line.refresh_from_db()
    assert line.phase_in_on == later


def test_a_bank_reads_its_agreement_with_phase_in_dates_and_no_wholesale_figures(
    world: World, as_user: SignIn
) -> None:
    # The world's networks are bought at 0.0800 per SSD-month and 0.3500 per credential.
    client = as_user("maple_viewer")
    response = client.get(reverse("issuers:our_agreement"))
    assert response["Location"] == reverse(
        "issuers:agreement_detail", kwargs={"pk": world.maple_agreement.pk}
    )
    html = client.get(response["Location"]).content.decode()
    assert "RA-MAPLE-01" in html
    assert "Northwind Mobile" in html
    assert world.maple_northwind.phase_in_on.isoformat() in html
    for wholesale in ("0.0800", "0.0150", "0.3500", "WA-", "SSDs bought", "capacity"):
        assert wholesale not in html
    sign = reverse("issuers:agreement_sign", kwargs={"pk": world.maple_agreement.pk})
    assert sign not in html
    assert "Add a network" not in html


def test_a_bank_without_an_agreement_is_told_so(as_user: SignIn, cast) -> None:
    response = as_user("outsider").get(reverse("issuers:our_agreement"))
    assert response.status_code == 200
    assert "no resale agreement with EnStream yet" in response.content.decode()


def test_a_bank_member_cannot_sign_their_own_agreement(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:agreement_sign", kwargs={"pk": world.maple_agreement.pk})
    assert as_user("maple_admin").post(url).status_code == 403


def test_another_bank_gets_404_on_the_agreement(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:agreement_detail", kwargs={"pk": world.maple_agreement.pk})
    assert as_user("prairie_admin").get(url).status_code == 404


def test_a_network_gets_404_on_a_resale_agreement(world: World, as_user: SignIn) -> None:
    url = reverse("issuers:agreement_detail", kwargs={"pk": world.maple_agreement.pk})
    assert as_user("northwind_viewer").get(url).status_code == 404


def test_the_agreement_history_shows_lines_and_who_changed_them(
    world: World, as_user: SignIn
) -> None:
    client = as_user("account_manager")
    client.post(
        reverse("issuers:line_withdraw", kwargs={"pk": world.maple_lakeshore.pk}),
        {"reason": "Network sunset"},
    )
    url = reverse("issuers:agreement_detail", kwargs={"pk": world.maple_agreement.pk})
    html = client.get(url).content.decode()
    history = html[html.index('id="history-heading"') :]
    assert "Network line Lakeshore Wireless" in history
    assert "Live → Withdrawn" in history
    assert "amir" in history
    assert "Network sunset" in history
