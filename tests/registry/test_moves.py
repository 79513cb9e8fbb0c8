import pytest

from mno.errors import RegistryError
from mno.models import MNO
from mno.registry import AssignmentReason, MoveKind, SecureElement, SeStatus
from mno.se_services import MOVED_TASK, se_port, se_swap_sim
from tests.cast import Cast
from tests.registry.factories import make_se

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(
        "mno.se_services.app.send_task", lambda name, args: calls.append((name, args))
    )
    return calls


def test_a_sim_swap_moves_the_line_keeps_the_history_and_tells_provisioning(
    cast: Cast, northwind: MNO, sent: list, django_capture_on_commit_callbacks
) -> None:
    old = make_se(northwind)
    new = make_se(northwind, with_line=False)
    line = old.msisdn

    with django_capture_on_commit_callbacks(execute=True):
        move = se_swap_sim(msisdn=line, new_iccid=new.iccid, actor=cast.operations)

    old.refresh_from_db()
    new.refresh_from_db()
    assert (new.msisdn, new.status) == (line, SeStatus.ACTIVE)
    assert (old.msisdn, old.status) == (None, SeStatus.RETIRED)
    assert move.kind == MoveKind.SIM_SWAP
    assert (move.from_se, move.to_se) == (old, new)
    closed = old.assignments.get()
    assert closed.ended_at is not None
    opened = new.assignments.get()
    assert (opened.msisdn, opened.reason, opened.ended_at) == (
        line,
        AssignmentReason.SIM_SWAP,
        None,
    )
    assert sent == [(MOVED_TASK, [move.pk])]


def test_nothing_is_sent_until_the_swap_commits(cast: Cast, northwind: MNO, sent: list) -> None:
    old = make_se(northwind)
    new = make_se(northwind, with_line=False)
    se_swap_sim(msisdn=old.msisdn, new_iccid=new.iccid, actor=cast.operations)
    assert sent == []  # the test's transaction never commits


def test_a_swap_needs_a_spare_sim_of_the_same_network(
    cast: Cast, northwind: MNO, lakeshore: MNO, sent: list
) -> None:
    old = make_se(northwind)
    busy = make_se(northwind)
    foreign = make_se(lakeshore, with_line=False)
    for target, code in ((busy, "sim_not_spare"), (foreign, "wrong_network")):
        with pytest.raises(RegistryError) as caught:
            se_swap_sim(msisdn=old.msisdn, new_iccid=target.iccid, actor=cast.operations)
        assert caught.value.code == code
    with pytest.raises(RegistryError) as caught:
        se_swap_sim(msisdn="+14165559999", new_iccid=foreign.iccid, actor=cast.operations)
    assert caught.value.code == "msisdn_unknown"


def test_a_port_onto_a_new_sim_of_the_other_network_is_recorded_on_both_sides(
    cast: Cast, northwind: MNO, lakeshore: MNO, sent: list, django_capture_on_commit_callbacks
) -> None:
    old = make_se(northwind)
    new = make_se(lakeshore, with_line=False)
    line = old.msisdn

    with django_capture_on_commit_callbacks(execute=True):
        move = se_port(msisdn=line, to_mno=lakeshore, new_iccid=new.iccid, actor=cast.operations)

    assert (move.kind, move.from_mno, move.to_mno) == (MoveKind.PORT, northwind, lakeshore)
    assert SecureElement.objects.get(msisdn=line, status=SeStatus.ACTIVE) == new
    assert old.moves_out.get() == move
    assert new.assignments.get().reason == AssignmentReason.PORT
    assert sent == [(MOVED_TASK, [move.pk])]


def test_a_port_without_a_new_sim_moves_the_se_itself_to_the_other_network(
    cast: Cast, northwind: MNO, lakeshore: MNO, sent: list
) -> None:
    se = make_se(northwind)
    move = se_port(msisdn=se.msisdn, to_mno=lakeshore, actor=cast.operations)
    se.refresh_from_db()
    assert se.mno == lakeshore
    assert (move.from_se, move.to_se, move.from_mno) == (se, se, northwind)
    assert [a.reason for a in se.assignments.all()] == ["port", "registered"]
    with pytest.raises(RegistryError, match="already on"):
        se_port(msisdn=se.msisdn, to_mno=lakeshore, actor=cast.operations)


def test_a_suspended_sim_whose_line_moved_on_cannot_be_resumed(
    cast: Cast, northwind: MNO, sent: list
) -> None:
    from mno.se_services import se_status_set

    lost = make_se(northwind)
    se_status_set(se=lost, status=SeStatus.SUSPENDED, actor=cast.operations)
    spare = make_se(northwind, with_line=False)
    SecureElement.objects.filter(pk=spare.pk).update(msisdn=lost.msisdn)
    with pytest.raises(RegistryError) as caught:
        se_status_set(se=lost, status=SeStatus.ACTIVE, actor=cast.operations)
    assert caught.value.code == "msisdn_taken"
    lost.refresh_from_db()
    assert lost.status == SeStatus.SUSPENDED
    se_status_set(se=lost, status=SeStatus.RETIRED, actor=cast.operations)
    lost.refresh_from_db()
    assert (lost.status, lost.msisdn) == (SeStatus.RETIRED, None)
    with pytest.raises(RegistryError, match="retired for good"):
        se_status_set(se=lost, status=SeStatus.ACTIVE, actor=cast.operations)
