"""ota_submit in process (zero latency delivers right after commit), against virtual SIMs."""

import pytest
from django.db import transaction

from mno.custody import isd_keyset, sd_counter, sd_counter_set
from mno.errors import RegistryError
from mno.fleet import fleet_create
from mno.models import MNO, ConnectionSettings
from mno.ota import simulated
from mno.ota.models import ExchangeState, OtaExchange
from mno.ota.services import ota_abandon, ota_submit
from mno.ota.simulated import NetworkProfile
from mno.registry import Scp, SecureElement, SeStatus
from mno.virtual_cards import virtual_card_load
from provisioning.gp import SecurityLevel, prepare_session
from provisioning.gp.registry import StatusScope, get_status
from tests.registry.factories import make_se

pytestmark = pytest.mark.django_db
GET_CARD_DATA = bytes.fromhex("80CA006600")


@pytest.fixture
def replies(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    sent: list[tuple] = []
    monkeypatch.setattr(
        simulated.app, "send_task", lambda name, args, **options: sent.append((name, args, options))
    )
    return sent


@pytest.fixture
def fleet(northwind: MNO) -> MNO:
    fleet_create(mno=northwind, count=6, seed=3)
    return northwind


def submit_now(se: SecureElement, script: list[bytes], correlation: str, capture, **kw):
    with capture(execute=True):
        exchange = ota_submit(se=se, script=script, correlation=correlation, **kw)
    exchange.refresh_from_db()
    return exchange


@pytest.mark.parametrize("scp", [Scp.SCP03, Scp.SCP02])
def test_a_session_prepared_offline_from_custody_runs_on_the_card_in_one_exchange(
    fleet: MNO, scp: int, replies: list, django_capture_on_commit_callbacks
) -> None:
    se = SecureElement.objects.filter(mno=fleet, scp=scp).first()
    if se is None:
        pytest.skip(f"the seeded fleet has no SCP0{scp} card")
    level = SecurityLevel(0x33 if scp == Scp.SCP03 else 0x03)
    prepared = prepare_session(
        isd_keyset(se),
        scp=scp,
        security_level=level,
        sequence_counter=sd_counter(se, se.isd_aid),
        sd_aid=se.isd_aid_bytes,
        commands=[get_status(StatusScope.ISD).to_bytes()],
    )
    exchange = submit_now(se, prepared.apdus, "job-9:1:1", django_capture_on_commit_callbacks)

    assert exchange.state == ExchangeState.DELIVERED
    answers = prepared.verify(exchange.response_apdus)
    assert answers[-1][-2:] == b"\x90\x00"
    sd_counter_set(se=se, sd_aid=se.isd_aid, counter=prepared.next_sequence_counter)
    assert replies == [("provisioning.tasks.on_ota_reply", [str(exchange.pk)], {})]
    # The card kept its counter: the next prepared session must use the stored one.
    with transaction.atomic():
        card = virtual_card_load(se)
    assert card.key_versions() == [isd_keyset(se).version]
    assert sd_counter(se, se.isd_aid) == prepared.next_sequence_counter


def test_the_same_correlation_is_sent_once(
    fleet: MNO, replies: list, django_capture_on_commit_callbacks
) -> None:
    se = SecureElement.objects.filter(mno=fleet).first()
    first = submit_now(se, [GET_CARD_DATA], "job-1:1:1", django_capture_on_commit_callbacks)
    again = submit_now(se, [GET_CARD_DATA], "job-1:1:1", django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert len(replies) == 1
    assert se.virtual_card.version == 2  # created, then one delivery


@pytest.mark.parametrize(
    "script", [[], [b"\x80"], b"\x80\xca\x00\x66\x00", ["80CA006600"], [GET_CARD_DATA] * 256]
)
def test_a_malformed_script_is_refused_before_anything_is_stored(
    fleet: MNO, script: object
) -> None:
    se = SecureElement.objects.filter(mno=fleet).first()
    with pytest.raises(RegistryError) as caught:
        ota_submit(se=se, script=script, correlation="job-2:1:1")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_script"
    assert not OtaExchange.objects.exists()


def test_an_abandoned_exchange_never_reaches_the_card(
    fleet: MNO, monkeypatch: pytest.MonkeyPatch, replies: list
) -> None:
    ConnectionSettings.objects.create(mno=fleet, parameters={"latency_ms": 5000})
    se = SecureElement.objects.filter(mno=fleet).first()
    exchange = ota_submit(se=se, script=[GET_CARD_DATA], correlation="job-3:1:1")
    assert ota_abandon(exchange=exchange)
    # The delivery task fires later, as the network's latency ends.
    assert simulated.deliver(str(exchange.pk), simulated.OK) is False
    exchange.refresh_from_db()
    assert (exchange.state, exchange.error_code) == (ExchangeState.LOST, "ota_timeout")
    se.virtual_card.refresh_from_db()
    assert se.virtual_card.version == 1
    assert replies == []


def test_a_script_to_a_suspended_or_real_sim_fails_as_unreachable(
    fleet: MNO, replies: list, django_capture_on_commit_callbacks
) -> None:
    suspended = SecureElement.objects.filter(mno=fleet).first()
    SecureElement.objects.filter(pk=suspended.pk).update(status=SeStatus.SUSPENDED)
    real = make_se(fleet)
    for n, se in enumerate((suspended, real)):
        exchange = submit_now(
            se, [GET_CARD_DATA], f"job-4:{n}:1", django_capture_on_commit_callbacks
        )
        assert (exchange.state, exchange.error_code) == (ExchangeState.FAILED, "se_unreachable")
    assert len(replies) == 2


def test_a_network_with_a_real_adapter_and_none_installed_says_so(fleet: MNO) -> None:
    ConnectionSettings.objects.create(mno=fleet, adapter_kind="smpp")
    se = SecureElement.objects.filter(mno=fleet).first()
    with pytest.raises(RegistryError) as caught:
        ota_submit(se=se, script=[GET_CARD_DATA], correlation="job-5:1:1")
    assert caught.value.code == "transport_unavailable"


def test_latency_is_scheduled_on_the_broker_not_waited_for(
    fleet: MNO, replies: list, django_capture_on_commit_callbacks
) -> None:
    ConnectionSettings.objects.create(
        mno=fleet,
        parameters={
            "latency_distribution": "uniform",
            "latency_min_ms": 800,
            "latency_max_ms": 900,
        },
    )
    se = SecureElement.objects.filter(mno=fleet).first()
    exchange = submit_now(se, [GET_CARD_DATA], "job-6:1:1", django_capture_on_commit_callbacks)
    assert exchange.state == ExchangeState.SUBMITTED
    [(name, args, options)] = replies
    assert (name, args) == (simulated.DELIVER_TASK, [str(exchange.pk), "ok"])
    assert 0.8 <= options["countdown"] <= 0.9


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"latency_distribution": "gaussian"}, "latency_distribution"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"latency_ms": 10**9}, "latency_ms"),
        ({"loss_rate": 1.5}, "loss_rate"),
        ({"loss_rate": 0.6, "error_rate": 0.6}, "error_rate"),
        (
            {"latency_distribution": "uniform", "latency_min_ms": 9, "latency_max_ms": 2},
            "latency_max_ms",
        ),
        ({"error_rate": "lots"}, "error_rate"),
    ],
)
def test_network_parameters_out_of_range_name_the_field(parameters: dict, field: str) -> None:
    with pytest.raises(RegistryError) as caught:
        NetworkProfile.from_parameters(parameters)
    assert caught.value.field == field


def test_the_first_demo_parameters_still_read() -> None:
    profile = NetworkProfile.from_parameters({"latency_ms": 800, "fault_rate": 0.01})
    assert (profile.latency_distribution, profile.latency_ms, profile.error_rate) == (
        "fixed",
        800,
        0.01,
    )


def test_a_lognormal_latency_has_its_median_and_stays_in_its_clamp() -> None:
    import random

    profile = NetworkProfile.from_parameters(
        {
            "latency_distribution": "lognormal",
            "latency_ms": 1000,
            "latency_sigma": 0.5,
            "latency_min_ms": 200,
            "latency_max_ms": 8000,
        }
    )
    rng = random.Random(1)
    draws = sorted(profile.draw_latency_ms(rng) for _ in range(2001))
    assert 900 <= draws[1000] <= 1100
    assert draws[0] >= 200
    assert draws[-1] <= 8000


def test_a_broker_outage_at_hand_over_leaves_the_exchange_waiting_not_the_caller_failing(
    fleet: MNO, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(simulated.app, "send_task", broker_down)
    ConnectionSettings.objects.create(mno=fleet, parameters={"latency_ms": 500})
    se = SecureElement.objects.filter(mno=fleet).first()
    exchange = submit_now(se, [GET_CARD_DATA], "job-7:1:1", django_capture_on_commit_callbacks)
    assert exchange.state == ExchangeState.SUBMITTED


def test_a_delivery_reads_everything_in_one_query_and_writes_three_rows(
    fleet: MNO, replies: list, django_assert_num_queries
) -> None:
    ConnectionSettings.objects.create(mno=fleet, parameters={"latency_ms": 100})
    se = SecureElement.objects.filter(mno=fleet).first()
    exchange = ota_submit(se=se, script=[GET_CARD_DATA], correlation="job-8:1:1")
    # Savepoint, the locking read, the sealed card, its version, the exchange, release.
    with django_assert_num_queries(6):
        assert simulated.deliver(str(exchange.pk), simulated.OK)
