from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import time_machine

from enstream.audit.models import AuditEntry
from issuers.errors import CommercialError
from issuers.models import AgreementStatus, AllocationStatus, LineStatus, ResaleAgreement
from issuers.selectors import agreement_in_force, network_covered
from issuers.services import (
    agreement_activate,
    agreement_add_network_line,
    agreement_create,
    agreement_end,
    agreement_sign,
    agreement_update,
)
from tests.billing.factories import PricePlanFactory, add_version
from tests.cast import Cast
from tests.issuers.factories import IssuerFactory, World
from tests.issuers.helpers import ACCOUNT_MANAGERS, CAST, local_noon, member

TODAY = date(2025, 6, 10)
pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def frozen_today() -> Iterator[None]:
    with time_machine.travel(local_noon(TODAY), tick=False):
        yield


def _draft(world: World, cast: Cast, **overrides: object) -> ResaleAgreement:
    arguments = {
        "issuer": world.outsider,
        "actor": cast.account_manager,
        "effective_on": date(2025, 7, 1),
        "expires_on": date(2028, 6, 30),
        "price_plan": world.plan,
    } | overrides
    return agreement_create(**arguments)  # type: ignore[arg-type]


def _signed(world: World, cast: Cast, **overrides: object) -> ResaleAgreement:
    agreement = _draft(world, cast, **overrides)
    agreement_add_network_line(
        agreement=agreement,
        mno=world.northwind,
        phase_in_on=agreement.effective_on,
        actor=cast.account_manager,
    )
    return agreement_sign(agreement=agreement, actor=cast.account_manager)


def test_a_new_agreement_is_a_draft_numbered_after_its_issuer(world: World, cast: Cast) -> None:
    agreement = _draft(world, cast)

    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.number == "RA-OUTSIDER-01"
    assert agreement.created_by == cast.account_manager
    assert agreement_in_force(world.outsider, on=date(2025, 8, 1)) is None


@pytest.mark.parametrize(
    ("effective_on", "expires_on"),
    [
        (date(2025, 1, 1), date(2025, 12, 31)),  # maple's runs from Dec 2024 to 2027
        (date(2027, 6, 1), date(2029, 5, 31)),
        (date(2020, 1, 1), date(2030, 12, 31)),  # around it
    ],
)
def test_two_agreements_of_one_issuer_cannot_overlap(
    world: World, cast: Cast, effective_on: date, expires_on: date
) -> None:
    with pytest.raises(CommercialError) as refused:
        _draft(world, cast, issuer=world.maple, effective_on=effective_on, expires_on=expires_on)

    assert refused.value.code == "agreement_overlap"
    assert "RA-MAPLE-01" in refused.value.message


def test_an_agreement_may_follow_the_last_day_of_the_previous_one(world: World, cast: Cast) -> None:
    last_day = world.maple_agreement.expires_on

    follower = _draft(
        world,
        cast,
        issuer=world.maple,
        effective_on=last_day + timedelta(days=1),
        expires_on=last_day + timedelta(days=365),
    )

    assert follower.status == AgreementStatus.DRAFT


def test_an_abandoned_draft_does_not_hold_its_dates(world: World, cast: Cast) -> None:
    first = _draft(world, cast)
    agreement_end(agreement=first, actor=cast.account_manager, reason="Terms renegotiated")

    second = _draft(world, cast)

    assert second.effective_on == first.effective_on


def test_an_agreement_cannot_expire_before_it_starts(world: World, cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        _draft(world, cast, expires_on=date(2025, 6, 30))

    assert (refused.value.code, refused.value.field) == ("term_out_of_order", "expires_on")


def test_signing_needs_a_network(world: World, cast: Cast) -> None:
    agreement = _draft(world, cast)

    with pytest.raises(CommercialError) as refused:
        agreement_sign(agreement=agreement, actor=cast.account_manager)

    assert refused.value.code == "agreement_has_no_networks"


def test_signing_needs_a_price_plan_version_on_the_first_day(world: World, cast: Cast) -> None:
    late_plan = PricePlanFactory()
    add_version(late_plan, effective_from=date(2025, 9, 1))
    agreement = _draft(world, cast, price_plan=late_plan)
    agreement_add_network_line(
        agreement=agreement,
        mno=world.northwind,
        phase_in_on=date(2025, 7, 1),
        actor=cast.account_manager,
    )

    with pytest.raises(CommercialError) as refused:
        agreement_sign(agreement=agreement, actor=cast.account_manager)

    assert refused.value.code == "price_plan_not_in_effect"


def test_an_agreement_activates_on_or_after_its_first_day(world: World, cast: Cast) -> None:
    agreement = _signed(world, cast)

    with pytest.raises(CommercialError) as early:
        agreement_activate(agreement=agreement, actor=cast.account_manager)
    with time_machine.travel(local_noon(date(2025, 7, 1)), tick=False):
        active = agreement_activate(agreement=agreement, actor=cast.account_manager)

    assert early.value.code == "agreement_not_yet_effective"
    assert active.status == AgreementStatus.ACTIVE
    assert agreement_in_force(world.outsider, on=date(2025, 7, 1)) == active
    assert agreement_in_force(world.outsider, on=date(2025, 6, 30)) is None


def test_a_signed_agreement_cannot_be_edited(world: World, cast: Cast) -> None:
    agreement = _signed(world, cast)

    with pytest.raises(CommercialError) as refused:
        agreement_update(
            agreement=agreement, actor=cast.account_manager, expires_on=date(2029, 1, 1)
        )

    assert refused.value.code == "agreement_not_draft"


def test_a_draft_cannot_move_its_start_past_a_network_phase_in(world: World, cast: Cast) -> None:
    agreement = _draft(world, cast)
    agreement_add_network_line(
        agreement=agreement,
        mno=world.northwind,
        phase_in_on=date(2025, 7, 1),
        actor=cast.account_manager,
    )

    with pytest.raises(CommercialError) as refused:
        agreement_update(
            agreement=agreement, actor=cast.account_manager, effective_on=date(2025, 8, 1)
        )

    assert refused.value.code == "phase_in_before_start"


def test_ending_an_agreement_withdraws_its_networks_and_closes_their_space(
    world: World, cast: Cast
) -> None:
    ended = agreement_end(
        agreement=world.maple_agreement,
        actor=cast.account_manager,
        reason="Issuer left the programme",
        on=date(2025, 6, 30),
    )

    assert ended.status == AgreementStatus.ENDED
    assert ended.ended_on == date(2025, 6, 30)
    lines = list(ended.lines.all())
    assert {line.status for line in lines} == {LineStatus.WITHDRAWN}
    assert {line.live_until for line in lines} == {date(2025, 6, 30)}
    world.maple_approved.refresh_from_db()
    world.maple_requested.refresh_from_db()
    assert world.maple_approved.status == AllocationStatus.REVOKED
    assert world.maple_requested.status == AllocationStatus.CANCELLED
    assert world.maple_approved.decision_reason.startswith("Network withdrawn: Agreement ended")
    # In force, and the network covered, through its last day; not the day after.
    assert agreement_in_force(world.maple, on=date(2025, 6, 30)) == ended
    assert agreement_in_force(world.maple, on=date(2025, 7, 1)) is None
    assert network_covered(world.maple, world.northwind, on=date(2025, 6, 30))
    assert not network_covered(world.maple, world.northwind, on=date(2025, 7, 1))


def test_an_active_agreement_cannot_be_ended_in_the_past(world: World, cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        agreement_end(
            agreement=world.maple_agreement,
            actor=cast.account_manager,
            reason="Oops",
            on=date(2025, 6, 1),
        )

    assert refused.value.code == "end_in_past"


def test_an_ended_agreement_cannot_be_signed_again(world: World, cast: Cast) -> None:
    agreement_end(agreement=world.maple_agreement, actor=cast.account_manager, reason="Done")

    with pytest.raises(CommercialError) as refused:
        agreement_sign(agreement=world.maple_agreement, actor=cast.account_manager)

    assert refused.value.code == "invalid_transition"
    assert refused.value.message == "This resale agreement is ended: it cannot become signed."


AGREEMENT_MOVES = ["sign", "activate", "end"]


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("move", AGREEMENT_MOVES)
def test_only_account_managers_sign_activate_and_end_agreements(
    world: World, cast: Cast, who: str, move: str
) -> None:
    agreement = _draft(world, cast, effective_on=date(2025, 6, 1), expires_on=date(2026, 5, 31))
    agreement_add_network_line(
        agreement=agreement,
        mno=world.northwind,
        phase_in_on=date(2025, 6, 1),
        actor=cast.account_manager,
    )
    if move in ("activate", "end"):
        agreement = agreement_sign(agreement=agreement, actor=cast.account_manager)
    calls = {
        "sign": lambda actor: agreement_sign(agreement=agreement, actor=actor),
        "activate": lambda actor: agreement_activate(agreement=agreement, actor=actor),
        "end": lambda actor: agreement_end(agreement=agreement, actor=actor, reason="Test"),
    }

    if who in ACCOUNT_MANAGERS:
        assert calls[move](member(cast, who)).status != agreement.status
    else:
        with pytest.raises(CommercialError) as refused:
            calls[move](member(cast, who))
        assert refused.value.code == "permission_denied"


def test_agreement_changes_are_versioned_with_who_and_when(world: World, cast: Cast) -> None:
    agreement = _signed(world, cast)

    history = list(agreement.history.order_by("history_date"))
    assert [h.status for h in history] == ["draft", "signed"]
    assert {h.history_user for h in history} == {cast.account_manager}
    assert all(h.history_date.date() == TODAY for h in history)
    assert AuditEntry.objects.filter(
        action="agreement.sign", organisation=cast.outsider_org, actor=cast.account_manager
    ).exists()


def test_the_issuer_cannot_be_terminated_and_then_given_an_agreement(cast: Cast) -> None:
    issuer = IssuerFactory(status="terminated")

    with pytest.raises(CommercialError) as refused:
        agreement_create(
            issuer=issuer,
            actor=cast.account_manager,
            effective_on=TODAY,
            expires_on=TODAY + timedelta(days=365),
            price_plan=PricePlanFactory(),
        )

    assert refused.value.code == "issuer_terminated"
