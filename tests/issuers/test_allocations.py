"""SE space: requests, decisions against the MNO's wholesale capacity, usage counters.

In the world, Northwind sells 10,000 SSDs / 400,000,000 bytes wholesale; Maple holds an
approved cap of 1,000 SSDs of 40,000 bytes each (120 created); Prairie asks for 300.
"""

import pytest

from issuers.errors import CommercialError
from issuers.models import (
    AgreementStatus,
    Allocation,
    AllocationStatus,
    IssuerStatus,
    LineStatus,
    NetworkLine,
)
from issuers.selectors import allocation_usage
from issuers.services import (
    allocation_approve,
    allocation_cancel,
    allocation_record_usage,
    allocation_reject,
    allocation_request,
    allocation_revoke,
)
from tests.cast import Cast
from tests.issuers.factories import AllocationFactory, World
from tests.issuers.helpers import ACCOUNT_MANAGERS, CAST, member

TEMPLATE = {
    "nv_quota_bytes": 32_000,
    "v_quota_bytes": 8_000,
    "expected_ssds": 400,
    "monthly_forecast": 40,
    "privileges": ["authorized_management", "receipt_generation"],
}
REQUESTERS = {"enstream_admin", "account_manager", "maple_admin", "maple_operator"}


def _request(line: NetworkLine, actor: object, **overrides: object) -> Allocation:
    return allocation_request(network_line=line, actor=actor, **(TEMPLATE | overrides))


@pytest.mark.parametrize("who", CAST)
def test_maple_s_writers_and_account_managers_request_space_on_maple_s_networks(
    world: World, cast: Cast, who: str
) -> None:
    if who in REQUESTERS:
        allocation = _request(world.maple_lakeshore, member(cast, who))
        assert allocation.status == AllocationStatus.REQUESTED
        assert allocation.requested_by == member(cast, who)
        return
    with pytest.raises(CommercialError) as refused:
        _request(world.maple_lakeshore, member(cast, who))
    # Another issuer's line is not there for them; a role without the right is refused.
    expected = "not_found" if who in ("prairie_admin", "outsider") else "permission_denied"
    assert refused.value.code == expected


def test_a_request_stores_the_ssd_template_in_a_fixed_privilege_order(
    world: World, cast: Cast
) -> None:
    allocation = _request(
        world.maple_lakeshore,
        cast.maple_operator,
        privileges=["receipt_generation", "delegated_management", "receipt_generation"],
    )

    assert allocation.privileges == ["delegated_management", "receipt_generation"]
    assert allocation.bytes_per_ssd == 40_000


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"nv_quota_bytes": 0}, "invalid_quota", "nv_quota_bytes"),
        ({"nv_quota_bytes": -4_096}, "invalid_quota", "nv_quota_bytes"),
        ({"v_quota_bytes": 0}, "invalid_quota", "v_quota_bytes"),
        ({"v_quota_bytes": -1}, "invalid_quota", "v_quota_bytes"),
        ({"nv_quota_bytes": 2**40}, "too_large", "nv_quota_bytes"),
        ({"expected_ssds": 0}, "invalid_quantity", "expected_ssds"),
        ({"monthly_forecast": -5}, "invalid_quantity", "monthly_forecast"),
        ({"privileges": ["card_terminate"]}, "unknown_privilege", "privileges"),
        (
            {"privileges": ["delegated_management", "authorized_management"]},
            "privileges_conflict",
            "privileges",
        ),
    ],
)
def test_a_bad_request_is_refused_with_a_code_and_the_field(
    world: World, cast: Cast, overrides: dict, code: str, field: str
) -> None:
    with pytest.raises(CommercialError) as refused:
        _request(world.maple_lakeshore, cast.maple_admin, **overrides)

    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.message


def test_space_is_not_requested_on_a_withdrawn_network(world: World, cast: Cast) -> None:
    NetworkLine.objects.filter(pk=world.maple_lakeshore.pk).update(status=LineStatus.WITHDRAWN)

    with pytest.raises(CommercialError) as refused:
        _request(world.maple_lakeshore, cast.maple_admin)

    assert refused.value.code == "line_withdrawn"


def test_space_is_not_requested_under_a_draft_agreement(world: World, cast: Cast) -> None:
    world.maple_agreement.status = AgreementStatus.DRAFT
    world.maple_agreement.save()

    with pytest.raises(CommercialError) as refused:
        _request(world.maple_lakeshore, cast.maple_admin)

    assert refused.value.code == "agreement_not_signed"


def test_a_suspended_issuer_cannot_request_space(world: World, cast: Cast) -> None:
    world.maple.status = IssuerStatus.SUSPENDED
    world.maple.save()

    with pytest.raises(CommercialError) as refused:
        _request(world.maple_lakeshore, cast.maple_admin)

    assert refused.value.code == "issuer_not_active"


def test_an_approval_sets_the_cap_and_who_decided(world: World, cast: Cast) -> None:
    approved = allocation_approve(
        allocation=world.prairie_requested, actor=cast.account_manager, cap=250
    )

    assert (approved.status, approved.approved_cap) == (AllocationStatus.APPROVED, 250)
    assert approved.decided_by == cast.account_manager
    assert approved.decided_at is not None
    history = approved.history.first()
    assert (history.history_user, history.status) == (cast.account_manager, "approved")


def test_an_approval_that_would_oversell_the_network_says_by_how_much(
    world: World, cast: Cast
) -> None:
    with pytest.raises(CommercialError) as refused:
        allocation_approve(
            allocation=world.prairie_requested, actor=cast.account_manager, cap=9_500
        )

    assert refused.value.code == "oversold"
    assert refused.value.field == "cap"
    assert refused.value.message == (
        "Approving 9,500 SSDs would oversell Northwind Mobile's wholesale capacity by 500 SSDs "
        "and 20,000,000 bytes: 1,000 of 10,000 SSDs and 40,000,000 of 400,000,000 bytes are "
        "already sold."
    )
    assert refused.value.details == {"over_ssds": 500, "over_bytes": 20_000_000}
    world.prairie_requested.refresh_from_db()
    assert world.prairie_requested.status == AllocationStatus.REQUESTED


def test_an_approval_may_sell_exactly_the_remaining_capacity(world: World, cast: Cast) -> None:
    approved = allocation_approve(
        allocation=world.prairie_requested, actor=cast.account_manager, cap=9_000
    )

    assert approved.approved_cap == 9_000


def test_large_ssds_can_oversell_the_bytes_alone(world: World, cast: Cast) -> None:
    big = AllocationFactory(
        network_line=world.prairie_northwind, nv_quota_bytes=100_000, v_quota_bytes=20_000
    )

    allocation_approve(allocation=big, actor=cast.account_manager, cap=3_000)  # exactly full
    other = AllocationFactory(network_line=world.prairie_northwind, nv_quota_bytes=1)
    with pytest.raises(CommercialError) as refused:
        allocation_approve(allocation=other, actor=cast.account_manager, cap=1)

    assert refused.value.details == {"over_ssds": 0, "over_bytes": 8_001}
    assert refused.value.message.startswith(
        "Approving 1 SSD would oversell Northwind Mobile's wholesale capacity by 8,001 bytes: "
    )


def test_a_revoked_allocation_still_holds_the_ssds_it_created(world: World, cast: Cast) -> None:
    allocation_revoke(allocation=world.maple_approved, actor=cast.account_manager, reason="Fraud")

    allocation_approve(allocation=world.prairie_requested, actor=cast.account_manager, cap=9_880)
    other = AllocationFactory(network_line=world.prairie_northwind)
    with pytest.raises(CommercialError) as refused:
        allocation_approve(allocation=other, actor=cast.account_manager, cap=1)

    assert refused.value.details["over_ssds"] == 1


def test_a_rejection_needs_a_reason_and_keeps_it(world: World, cast: Cast) -> None:
    with pytest.raises(CommercialError) as no_reason:
        allocation_reject(allocation=world.prairie_requested, actor=cast.account_manager, reason="")

    rejected = allocation_reject(
        allocation=world.prairie_requested,
        actor=cast.account_manager,
        reason="Forecast not supported by the card programme",
    )

    assert no_reason.value.code == "reason_required"
    assert rejected.status == AllocationStatus.REJECTED
    assert rejected.decision_reason == "Forecast not supported by the card programme"


def test_a_decided_request_cannot_be_decided_again(world: World, cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        allocation_reject(allocation=world.maple_approved, actor=cast.account_manager, reason="No")

    assert refused.value.code == "invalid_transition"
    assert refused.value.message == (
        "This SE space allocation is approved: it cannot become rejected."
    )


def test_an_issuer_cancels_its_own_request_but_not_another_s(world: World, cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        allocation_cancel(allocation=world.maple_requested, actor=cast.prairie_admin)

    cancelled = allocation_cancel(allocation=world.maple_requested, actor=cast.maple_operator)

    assert refused.value.code == "not_found"
    assert cancelled.status == AllocationStatus.CANCELLED


DECISIONS = {
    "approve": lambda a, actor: allocation_approve(allocation=a, actor=actor, cap=10),
    "reject": lambda a, actor: allocation_reject(allocation=a, actor=actor, reason="No"),
    "revoke": lambda a, actor: allocation_revoke(allocation=a, actor=actor, reason="No"),
}


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_only_account_managers_decide_on_space(
    world: World, cast: Cast, who: str, decision: str
) -> None:
    allocation = world.maple_approved if decision == "revoke" else world.maple_requested

    if who in ACCOUNT_MANAGERS:
        assert DECISIONS[decision](allocation, member(cast, who)).decided_by == member(cast, who)
    else:
        with pytest.raises(CommercialError) as refused:
            DECISIONS[decision](allocation, member(cast, who))
        assert refused.value.code == "permission_denied"


def test_provisioning_counts_ssds_up_to_the_cap_and_no_further(world: World, cast: Cast) -> None:
    allocation = world.maple_approved  # 120 of 1,000 created

    allocation_record_usage(allocation_id=allocation.pk, ssds_delta=880, bytes_delta=880 * 40_000)
    with pytest.raises(CommercialError) as full:
        allocation_record_usage(allocation_id=allocation.pk, ssds_delta=1, bytes_delta=40_000)

    allocation.refresh_from_db()
    usage = allocation_usage(allocation)
    assert (usage.cap, usage.ssds_created, usage.ssds_remaining, usage.percent_used) == (
        1_000,
        1_000,
        0,
        100,
    )
    assert usage.bytes_used == 40_000_000
    assert full.value.code == "allocation_full"


def test_deleted_ssds_still_count_down_on_a_revoked_allocation(world: World, cast: Cast) -> None:
    allocation_revoke(allocation=world.maple_approved, actor=cast.account_manager, reason="Exit")

    allocation_record_usage(
        allocation_id=world.maple_approved.pk, ssds_delta=-20, bytes_delta=-800_000
    )
    with pytest.raises(CommercialError) as refused:
        allocation_record_usage(allocation_id=world.maple_approved.pk, ssds_delta=1, bytes_delta=0)

    world.maple_approved.refresh_from_db()
    assert world.maple_approved.ssds_created == 100
    assert refused.value.code == "allocation_not_approved"


def test_usage_counters_stay_out_of_the_decision_history(world: World, cast: Cast) -> None:
    before = world.maple_approved.history.count()

    allocation_record_usage(allocation_id=world.maple_approved.pk, ssds_delta=5, bytes_delta=5)

    assert world.maple_approved.history.count() == before
