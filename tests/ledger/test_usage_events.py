"""The ledger: one row per fact, written once, in the caller's transaction."""

from datetime import date

import pytest
from django.db import transaction

from billing.ledger import UsageEvent, UsageKind, UsageMonthRollup, UsageRollup
from billing.ledger_services import usage_batch, usage_key, usage_record
from issuers.errors import CommercialError
from tests.issuers.factories import World
from tests.ledger.factories import at, record, secure_element

DAY = date(2026, 11, 10)


def test_the_same_event_twice_makes_one_row(world: World) -> None:
    key = usage_key("job-1", "personalise")
    first = record(world.maple, world.northwind, UsageKind.CREDENTIAL_PROVISIONED, DAY, key=key)
    again = record(world.maple, world.northwind, UsageKind.CREDENTIAL_PROVISIONED, DAY, key=key)

    assert first is not None
    assert again is None
    assert UsageEvent.objects.filter(idempotency_key=key).count() == 1
    rollup = UsageRollup.objects.get()
    assert (rollup.quantity, rollup.events) == (1, 1)


def test_an_event_keeps_its_secure_element_and_month(world: World) -> None:
    se = secure_element(world.northwind)
    with transaction.atomic():
        event = usage_record(
            idempotency_key="job:7:create-ssd",
            issuer=world.maple,
            mno=world.northwind,
            kind=UsageKind.SSD_CREATED,
            occurred_at=at(DAY),
            se=se,
        )
    stored = UsageEvent.objects.get(pk=event.pk)
    assert stored.se == se
    assert stored.billed_month == date(2026, 11, 1)
    assert not stored.late


def _record_then_fail(world: World) -> None:
    with transaction.atomic():
        usage_record(
            idempotency_key="job:8:step",
            issuer=world.maple,
            mno=world.northwind,
            kind=UsageKind.OTA_OPERATION,
            occurred_at=at(DAY),
        )
        raise RuntimeError("the state change failed")


def test_an_event_rolled_back_with_its_transaction_leaves_nothing(world: World) -> None:
    with pytest.raises(RuntimeError):
        _record_then_fail(world)
    assert not UsageEvent.objects.exists()
    assert not UsageRollup.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(world: World) -> None:
    with pytest.raises(CommercialError) as caught:
        usage_record(
            idempotency_key="job:9:step",
            issuer=world.maple,
            mno=world.northwind,
            kind=UsageKind.OTA_OPERATION,
            occurred_at=at(DAY),
        )
    assert caught.value.code == "usage_outside_transaction"


@pytest.mark.parametrize(
    ("kind", "quantity", "code"),
    [("teleport", 1, "unknown_usage_kind"), (UsageKind.OTA_OPERATION, 0, "invalid_quantity")],
)
def test_a_malformed_event_is_refused(world: World, kind: str, quantity: int, code: str) -> None:
    with pytest.raises(CommercialError) as caught:
        record(world.maple, world.northwind, kind, DAY, quantity=quantity)
    assert caught.value.code == code


def test_events_can_be_neither_changed_nor_deleted(world: World) -> None:
    record(world.maple, world.northwind, UsageKind.OTA_OPERATION, DAY)
    event = UsageEvent.objects.get()
    event.quantity = 5
    with pytest.raises(CommercialError):
        event.save()
    with pytest.raises(CommercialError):
        event.delete()
    with pytest.raises(CommercialError):
        UsageEvent.objects.filter(pk=event.pk).update(quantity=5)
    with pytest.raises(CommercialError):
        UsageEvent.objects.all().delete()
    assert UsageEvent.objects.get().quantity == 1


def test_quantities_of_one_day_add_up_in_one_rollup_row(world: World) -> None:
    for quantity in (1, 2, 3):
        record(world.maple, world.northwind, UsageKind.OTA_OPERATION, DAY, quantity=quantity)
    rollup = UsageRollup.objects.get()
    assert (rollup.day, rollup.quantity, rollup.events) == (DAY, 6, 3)


def _ota(world: World, key: str, day: date = DAY, quantity: int = 1) -> None:
    usage_record(
        idempotency_key=key,
        issuer=world.maple,
        mno=world.northwind,
        kind=UsageKind.OTA_OPERATION,
        quantity=quantity,
        occurred_at=at(day),
    )


def test_a_batch_writes_what_recording_one_by_one_would(world: World) -> None:
    with transaction.atomic(), usage_batch():
        _ota(world, "job:1:ota:1")
        _ota(world, "job:1:ota:2", quantity=3)
        _ota(world, "job:1:ota:1")  # a replayed step inside the batch
        _ota(world, "job:2:ota:1", day=date(2026, 11, 11))
        assert not UsageEvent.objects.exists(), "written when the batch ends"
    with transaction.atomic(), usage_batch():
        _ota(world, "job:1:ota:2")  # recorded before: nothing changes

    assert UsageEvent.objects.count() == 3
    rollups = {r.day: (r.quantity, r.events) for r in UsageRollup.objects.all()}
    assert rollups == {DAY: (4, 2), date(2026, 11, 11): (1, 1)}
    month = UsageMonthRollup.objects.get()
    assert (month.quantity, month.events) == (5, 3)


def test_a_batch_interrupted_by_an_error_still_writes_what_was_recorded_before_it(
    world: World,
) -> None:
    def record_two_the_second_invalid() -> None:
        with usage_batch():
            _ota(world, "job:3:ota:1")
            _ota(world, "job:3:ota:2", quantity=0)

    with transaction.atomic(), pytest.raises(CommercialError):
        record_two_the_second_invalid()
    assert list(UsageEvent.objects.values_list("idempotency_key", flat=True)) == ["job:3:ota:1"]
