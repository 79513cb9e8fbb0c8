"""Lost answers, timeouts, busy SIMs and permanent refusals, in one process (the task pump)."""

import pytest
from pytest_django.fixtures import Settings

from enstream.webhooks.models import WebhookEvent
from issuers.models import Allocation
from mno.registry import SecureElement
from provisioning.gp.registry import LifeCycle
from provisioning.models import CredentialState, DomainState, JobState
from provisioning.services import credential_provision
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import Market, card_of, set_network, virtual_se, visa

pytestmark = pytest.mark.django_db(transaction=True)


def _provision(market: Market, se: SecureElement) -> tuple:
    return credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        card_data=visa(),
        sandbox=False,
    )


def _installed(se: SecureElement) -> tuple[int, int]:
    """SSDs (besides the ISD) and payment instances on the card."""
    content = card_of(se)._content
    ssds = [a for a in content.applications.values() if a.is_sd and a.aid != content.isd_aid]
    apps = [a for a in content.applications.values() if not a.is_sd]
    return len(ssds), len(apps)


@pytest.mark.parametrize("executed", [True, False], ids=["card-ran-it", "never-arrived"])
def test_a_lost_answer_is_reconciled_from_the_card_and_finishes_with_one_of_each(
    market: Market, pump: Pump, settings: Settings, executed: bool
) -> None:
    settings.PROVISIONING_REPLY_TIMEOUT_SECONDS = 0
    se = virtual_se(market.northwind)
    set_network(market.northwind, loss_rate=1.0, loss_executes_rate=1.0 if executed else 0.0)
    credential, job = _provision(market, se)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.AWAITING_REPLY  # the answer never comes
    set_network(market.northwind)
    pump.settle()
    job.refresh_from_db()
    credential.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
    assert credential.state == CredentialState.ACTIVE
    steps = list(job.steps.order_by("seq"))
    assert steps[0].outcome == "retry"
    assert steps[0].error_code == "ota_timeout"
    # The retry read the card first (a probe), then finished what was missing.
    assert steps[1].name == "probe"
    assert _installed(se) == (1, 1)
    assert card_of(se).application(credential.instance_aid_bytes).lifecycle == 0x0F
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 121


def test_a_busy_sim_is_retried_with_backoff_until_it_answers(market: Market, pump: Pump) -> None:
    se = virtual_se(market.northwind)
    set_network(market.northwind, error_rate=1.0)
    _credential, job = _provision(market, se)
    pump.run(limit=2)  # the first attempt and its answer
    job.refresh_from_db()
    assert job.state == JobState.RETRY_WAIT
    assert job.failure_code in ("card_busy", "se_unreachable")
    assert job.next_attempt_at is not None
    set_network(market.northwind)
    pump.settle()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    # Nothing ran on the card while it was busy: no probe was needed.
    assert [s.outcome for s in job.steps.order_by("seq")][-1] == "ok"
    assert "probe" not in [s.name for s in job.steps.all()]
    assert _installed(se) == (1, 1)


def test_a_sim_that_never_answers_fails_with_ota_timeout_after_the_attempt_limit(
    market: Market, pump: Pump, settings: Settings
) -> None:
    settings.PROVISIONING_REPLY_TIMEOUT_SECONDS = 0
    settings.PROVISIONING_MAX_ATTEMPTS = 3
    se = virtual_se(market.northwind)
    set_network(market.northwind, loss_rate=1.0, loss_executes_rate=0.0)
    credential, job = _provision(market, se)
    pump.settle()
    job.refresh_from_db()
    credential.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.failure_code == "ota_timeout"
    assert job.left_in_doubt
    assert credential.state == CredentialState.FAILED
    assert credential.card_data.is_destroyed
    events = set(WebhookEvent.objects.values_list("event_type", flat=True))
    assert {"credential.failed", "job.failed"} <= events


def test_a_full_sim_fails_at_once_with_se_memory_full_and_gives_the_ssd_back(
    market: Market, pump: Pump
) -> None:
    # The registry believes there is room; the card has 4 kB left and answers 6A84.
    se = virtual_se(market.northwind, total_nv=8 * 1024 + 1024, claimed_free_nv=500_000)
    card = card_of(se)
    se_small = card.free_nv
    assert se_small < market.allocation.nv_quota_bytes
    credential, job = _provision(market, se)
    pump.run()
    job.refresh_from_db()
    credential.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.failure_code == "se_memory_full"
    assert job.steps.count() == 1  # permanent: no retry
    assert credential.state == CredentialState.FAILED
    assert credential.reason_code == "se_memory_full"
    assert credential.domain.state == DomainState.DELETED
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 120
    assert _installed(se) == (0, 0)


def test_a_sim_without_nfc_is_refused_with_se_not_nfc(market: Market, pump: Pump) -> None:
    from provisioning.errors import ProvisioningError

    se = virtual_se(market.northwind, nfc=False)
    with pytest.raises(ProvisioningError) as refused:
        _provision(market, se)
    assert refused.value.code == "se_not_nfc"
    assert refused.value.status == 422


def test_a_queued_job_whose_sim_lost_nfc_fails_with_se_not_nfc(market: Market, pump: Pump) -> None:
    se = virtual_se(market.northwind)
    _credential, job = _provision(market, se)
    SecureElement.objects.filter(pk=se.pk).update(nfc_capable=False)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.failure_code == "se_not_nfc"
    assert job.steps.count() == 0


def test_a_duplicated_or_late_answer_changes_nothing(market: Market, pump: Pump) -> None:
    se = virtual_se(market.northwind)
    credential, job = _provision(market, se)
    pump.run()
    job.refresh_from_db()
    before = (job.state, job.seq, job.lease_token, job.updated_at)
    pump.send("provisioning.tasks.on_ota_reply", [str(job.exchange_id)])
    pump.send("provisioning.tasks.on_ota_reply", [str(job.exchange_id)])
    pump.run()
    job.refresh_from_db()
    assert (job.state, job.seq) == before[:2]
    assert _installed(se) == (1, 1)
    assert (
        card_of(se).application(credential.instance_aid_bytes).lifecycle == LifeCycle.PERSONALIZED
    )


def test_a_redelivered_advance_task_sends_no_second_script(market: Market, pump: Pump) -> None:
    se = virtual_se(market.northwind)
    set_network(market.northwind, latency_ms=60_000)  # delivery is a task of its own
    _, job = _provision(market, se)
    for _ in range(3):
        pump.send("provisioning.tasks.advance", [str(job.pk)])
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.seq == 1
    assert job.steps.count() == 1
    assert _installed(se) == (1, 1)


def test_the_re_drive_resends_an_unattended_job_but_not_behind_a_deep_queue(
    market: Market, pump: Pump, monkeypatch: pytest.MonkeyPatch
) -> None:
    se = virtual_se(market.northwind)
    _, job = _provision(market, se)
    pump.queue.clear()  # the job's task is lost
    monkeypatch.setattr("provisioning.engine.redrive.queue_depth", lambda: 5_000)
    assert pump.redrive() == 0
    assert not pump.queue
    monkeypatch.setattr("provisioning.engine.redrive.queue_depth", lambda: 3)
    assert pump.redrive() == 1
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
