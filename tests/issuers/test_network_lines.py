from collections.abc import Iterator
from datetime import date

import pytest
import time_machine

from issuers.errors import CommercialError
from issuers.models import LineStatus, NetworkLine, ResaleAgreement
from issuers.selectors import network_covered
from issuers.services import (
    agreement_add_network_line,
    agreement_create,
    network_line_phase_in,
    network_line_reschedule,
    network_line_withdraw,
)
from tests.cast import Cast
from tests.issuers.factories import World
from tests.issuers.helpers import ACCOUNT_MANAGERS, CAST, local_noon, member
from tests.mno.factories import MnoFactory, WholesaleAgreementFactory

TODAY = date(2025, 6, 10)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(local_noon(TODAY), tick=False):
        yield


def _outsider_draft(world: World, cast: Cast) -> ResaleAgreement:
    return agreement_create(
        issuer=world.outsider,
        actor=cast.account_manager,
        effective_on=date(2025, 7, 1),
        expires_on=date(2026, 6, 30),
        price_plan=world.plan,
    )


def _add(cast: Cast, agreement: ResaleAgreement, mno: object, day: date) -> NetworkLine:
    return agreement_add_network_line(
        agreement=agreement, mno=mno, phase_in_on=day, actor=cast.account_manager
    )


@pytest.mark.parametrize(
    ("day", "code"),
    [(date(2025, 6, 30), "phase_in_before_start"), (date(2026, 7, 1), "phase_in_after_expiry")],
)
def test_a_network_is_phased_in_within_the_agreement_term(
    world: World, cast: Cast, day: date, code: str
) -> None:
    agreement = _outsider_draft(world, cast)

    with pytest.raises(CommercialError) as refused:
        _add(cast, agreement, world.northwind, day)

    assert (refused.value.code, refused.value.field) == (code, "phase_in_on")


def test_the_first_and_last_days_of_the_term_are_within_it(world: World, cast: Cast) -> None:
    agreement = _outsider_draft(world, cast)

    first = _add(cast, agreement, world.northwind, date(2025, 7, 1))
    last = _add(cast, agreement, world.lakeshore, date(2026, 6, 30))

    assert (first.status, last.status) == (LineStatus.PLANNED, LineStatus.PLANNED)


def test_a_network_without_a_wholesale_agreement_in_force_cannot_be_added(
    world: World, cast: Cast
) -> None:
    agreement = _outsider_draft(world, cast)
    unbought = MnoFactory(name="Polar Mobile")
    WholesaleAgreementFactory(mno=unbought, starts_on=date(2025, 9, 1), ends_on=date(2027, 1, 1))

    with pytest.raises(CommercialError) as refused:
        _add(cast, agreement, unbought, date(2025, 7, 1))

    assert refused.value.code == "no_wholesale_agreement"
    assert refused.value.message == (
        "Polar Mobile has no wholesale agreement in force on 2025-07-01: EnStream cannot resell "
        "space it has not bought."
    )
    assert _add(cast, agreement, unbought, date(2025, 9, 1)).mno == unbought


def test_one_agreement_covers_at_most_five_networks(world: World, cast: Cast) -> None:
    agreement = _outsider_draft(world, cast)
    networks = [world.northwind, world.lakeshore]
    for _ in range(4):
        networks.append(WholesaleAgreementFactory().mno)
    for mno in networks[:5]:
        _add(cast, agreement, mno, date(2025, 7, 1))

    with pytest.raises(CommercialError) as refused:
        _add(cast, agreement, networks[5], date(2025, 7, 1))

    assert refused.value.code == "too_many_networks"
    assert agreement.lines.count() == 5


def test_a_withdrawn_network_frees_its_place_and_may_come_back(world: World, cast: Cast) -> None:
    agreement = _outsider_draft(world, cast)
    line = _add(cast, agreement, world.northwind, date(2025, 7, 1))
    with pytest.raises(CommercialError) as twice:
        _add(cast, agreement, world.northwind, date(2025, 8, 1))

    network_line_withdraw(line=line, actor=cast.account_manager, reason="Changed plans")
    again = _add(cast, agreement, world.northwind, date(2025, 8, 1))

    assert twice.value.code == "network_already_on_agreement"
    assert again.status == LineStatus.PLANNED


def test_phasing_in_makes_the_network_covered_from_that_day(world: World, cast: Cast) -> None:
    line = _add(cast, world.prairie_agreement, world.lakeshore, date(2025, 6, 1))

    live = network_line_phase_in(line=line, actor=cast.account_manager, on=date(2025, 6, 5))

    assert (live.status, live.live_from) == (LineStatus.LIVE, date(2025, 6, 5))
    assert network_covered(world.prairie, world.lakeshore, on=date(2025, 6, 5))
    assert not network_covered(world.prairie, world.lakeshore, on=date(2025, 6, 4))


def test_a_network_of_a_signed_agreement_is_not_phased_in_before_activation(
    world: World, cast: Cast
) -> None:
    agreement = _outsider_draft(world, cast)
    line = _add(cast, agreement, world.northwind, date(2025, 7, 1))

    with pytest.raises(CommercialError) as refused:
        network_line_phase_in(line=line, actor=cast.account_manager)

    assert refused.value.code == "agreement_not_active"


def test_a_network_cannot_go_live_on_a_future_day(world: World, cast: Cast) -> None:
    line = _add(cast, world.prairie_agreement, world.lakeshore, date(2025, 7, 1))

    with pytest.raises(CommercialError) as refused:
        network_line_phase_in(line=line, actor=cast.account_manager, on=date(2025, 7, 1))

    assert refused.value.code == "phase_in_in_future"


def test_a_planned_network_moves_its_date_within_the_term(world: World, cast: Cast) -> None:
    line = _add(cast, world.prairie_agreement, world.lakeshore, date(2025, 7, 1))

    moved = network_line_reschedule(
        line=line, actor=cast.account_manager, phase_in_on=date(2025, 8, 1)
    )
    with pytest.raises(CommercialError) as refused:
        network_line_reschedule(line=line, actor=cast.account_manager, phase_in_on=date(2030, 1, 1))

    assert moved.phase_in_on == date(2025, 8, 1)
    assert refused.value.code == "phase_in_after_expiry"


def test_withdrawing_a_live_network_needs_a_reason_and_ends_cover_after_that_day(
    world: World, cast: Cast
) -> None:
    with pytest.raises(CommercialError) as no_reason:
        network_line_withdraw(line=world.maple_northwind, actor=cast.account_manager, reason="")

    line = network_line_withdraw(
        line=world.maple_northwind,
        actor=cast.account_manager,
        reason="Network exit",
        on=date(2025, 6, 20),
    )

    assert no_reason.value.code == "reason_required"
    assert (line.status, line.live_until) == (LineStatus.WITHDRAWN, date(2025, 6, 20))
    assert network_covered(world.maple, world.northwind, on=date(2025, 6, 20))
    assert not network_covered(world.maple, world.northwind, on=date(2025, 6, 21))
    latest = line.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        cast.account_manager,
        "Network exit",
    )
    assert latest.history_date.date() == TODAY


LINE_MOVES = ["phase_in", "withdraw"]


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("move", LINE_MOVES)
def test_only_account_managers_phase_in_and_withdraw_networks(
    world: World, cast: Cast, who: str, move: str
) -> None:
    line = _add(cast, world.prairie_agreement, world.lakeshore, date(2025, 6, 1))
    calls = {
        "phase_in": lambda actor: network_line_phase_in(line=line, actor=actor),
        "withdraw": lambda actor: network_line_withdraw(line=line, actor=actor, reason="Test"),
    }

    if who in ACCOUNT_MANAGERS:
        assert calls[move](member(cast, who)).status != LineStatus.PLANNED
    else:
        with pytest.raises(CommercialError) as refused:
            calls[move](member(cast, who))
        assert refused.value.code == "permission_denied"


@pytest.mark.parametrize("who", CAST)
def test_only_account_managers_add_networks(world: World, cast: Cast, who: str) -> None:
    def add() -> NetworkLine:
        return agreement_add_network_line(
            agreement=world.prairie_agreement,
            mno=world.lakeshore,
            phase_in_on=date(2025, 7, 1),
            actor=member(cast, who),
        )

    if who in ACCOUNT_MANAGERS:
        assert add().status == LineStatus.PLANNED
    else:
        with pytest.raises(CommercialError) as refused:
            add()
        assert refused.value.code == "permission_denied"
