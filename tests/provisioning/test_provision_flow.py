"""Provisioning a card onto a virtual SIM, end to end in one process (the task pump)."""

import json

import pytest
from django.db.models import F

from enstream.webhooks.models import WebhookEvent
from issuers.models import Allocation
from mno.custody import sd_keyset
from provisioning.engine.context import JobContext
from provisioning.errors import ProvisioningError
from provisioning.gp.registry import LifeCycle
from provisioning.models import Credential, CredentialState, DomainState, JobState, JobStep
from provisioning.profiles import DGI_RECORD
from provisioning.services import credential_provision
from tests.cast import Cast
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import (
    MASTERCARD_PAN,
    VISA_PAN,
    Market,
    card_of,
    database_contains,
    virtual_se,
    visa,
)

pytestmark = pytest.mark.django_db(transaction=True)


def provision(market: Market, se: object, **overrides: object) -> tuple[Credential, object]:
    arguments: dict = {
        "issuer": market.maple,
        "msisdn": se.msisdn,  # type: ignore[attr-defined]
        "scheme": "visa",
        "applet_profile": "visa_vsdc",
        "card_data": visa(),
        "sandbox": False,
    }
    arguments.update(overrides)
    return credential_provision(**arguments)


def test_a_card_lands_on_the_sim_with_the_issuers_keys_and_no_card_data_stays(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    credential, job = provision(market, se, actor=cast.maple_operator)
    pump.run()
    job.refresh_from_db()
    credential.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
    assert credential.state == CredentialState.ACTIVE
    card = card_of(se)
    ssd = card.application(credential.domain.aid_bytes)
    assert (ssd.nv_quota, ssd.v_quota) == (
        market.allocation.nv_quota_bytes,
        market.allocation.v_quota_bytes,
    )
    # The SSD holds the issuer's key set only (by KCV): the SEM's initial keys are gone.
    issuer_keys = sd_keyset(se, credential.domain.aid)
    on_card = card.application(credential.domain.aid_bytes).keysets
    assert list(on_card) == [issuer_keys.version]
    assert on_card[issuer_keys.version].keys.kcvs == issuer_keys.kcvs
    instance = card.application(credential.instance_aid_bytes)
    assert instance.lifecycle == LifeCycle.PERSONALIZED
    record = card.personalization(credential.instance_aid_bytes)[DGI_RECORD]
    assert bytes.fromhex(VISA_PAN) in record
    assert b"JANE Q PUBLIC" in record
    assert credential.domain.state == DomainState.ACTIVE
    assert credential.card_data.is_destroyed
    assert database_contains(VISA_PAN) == []
    # One round trip: the SEM's session, the key handover and the personalisation in one script.
    assert job.seq == 1
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 121


def test_the_step_log_keeps_headers_and_status_words_never_data(market: Market, pump: Pump) -> None:
    se = virtual_se(market.northwind)
    _, job = provision(market, se)
    pump.run()
    step = JobStep.objects.get(job=job)
    assert step.outcome == "ok"
    assert set(step.responses) == {"9000"}
    assert len(step.responses) == len(step.commands)
    assert all(set(c) == {"header", "lc", "label", "sensitive"} for c in step.commands)
    labels = [c["label"] for c in step.commands if c["sensitive"]]
    assert "PUT KEY" in labels
    assert "STORE DATA" in labels
    assert step.duration_ms is not None
    assert step.replied_at >= step.submitted_at


def test_a_second_card_of_the_issuer_reuses_its_ssd_in_one_round_trip(
    market: Market, pump: Pump
) -> None:
    se = virtual_se(market.northwind)
    first, _ = provision(market, se)
    pump.run()
    second, job = provision(
        market,
        se,
        scheme="mastercard",
        applet_profile="mastercard_mchip",
        card_data=visa(MASTERCARD_PAN),
    )
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.seq == 1
    assert second.domain_id == first.domain_id
    card = card_of(se)
    ssds = [a for a in card._content.applications.values() if a.is_sd and a.aid != card.isd_aid]
    assert len(ssds) == 1
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 121


def test_a_second_issuer_of_the_same_scheme_gets_a_suffixed_instance_aid(
    market: Market, pump: Pump
) -> None:
    from issuers.models import AllocationStatus
    from tests.issuers.factories import AllocationFactory

    se = virtual_se(market.northwind)
    prairie = market.world.prairie
    AllocationFactory(
        network_line=market.world.prairie_northwind,
        status=AllocationStatus.APPROVED,
        approved_cap=10,
    )
    maple_credential, _ = provision(market, se)
    prairie_credential, _job = provision(market, se, issuer=prairie)
    pump.run()
    assert maple_credential.instance_aid == "A0000000031010"
    assert prairie_credential.instance_aid == "A000000003101001"
    card = card_of(se)
    for credential in (maple_credential, prairie_credential):
        credential.refresh_from_db()
        assert credential.state == CredentialState.ACTIVE
        assert card.application(credential.instance_aid_bytes).lifecycle == LifeCycle.PERSONALIZED
    assert maple_credential.domain.aid != prairie_credential.domain.aid


def test_an_scp02_sim_is_provisioned_through_the_same_offline_path(
    market: Market, pump: Pump
) -> None:
    se = virtual_se(market.northwind, scp=2)
    credential, job = provision(market, se)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
    card = card_of(se)
    assert card.application(credential.instance_aid_bytes).lifecycle == LifeCycle.PERSONALIZED
    assert job.seq == 1


def test_where_scripts_reach_one_domain_each_the_sem_and_the_sp_tsm_go_separately(
    market: Market, pump: Pump, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(JobContext, "spans_domains", property(lambda self: False))
    se = virtual_se(market.northwind)
    credential, job = provision(market, se)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert [s.name for s in job.steps.order_by("seq")] == [
        "ssd_create",
        "key_handover+personalise",
    ]
    assert card_of(se).application(credential.instance_aid_bytes).lifecycle == 0x0F


def test_the_registry_counts_the_ssds_quotas_out_of_the_sims_free_memory(
    market: Market, pump: Pump
) -> None:
    se = virtual_se(market.northwind)
    free_nv, free_v = se.free_nv_bytes, se.free_v_bytes
    provision(market, se)
    pump.run()
    se.refresh_from_db()
    assert se.free_nv_bytes == free_nv - market.allocation.nv_quota_bytes
    assert se.free_v_bytes == free_v - market.allocation.v_quota_bytes


def test_a_sandbox_sims_ssd_takes_nothing_from_the_live_allocation(
    market: Market, pump: Pump
) -> None:
    se = virtual_se(market.northwind, sandbox=True)
    _, job = provision(market, se, sandbox=True)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
    allocation = Allocation.objects.get(pk=market.allocation.pk)
    assert (allocation.ssds_created, allocation.bytes_used) == (
        market.allocation.ssds_created,
        market.allocation.bytes_used,
    )


def test_the_active_webhook_describes_the_card_as_the_api_does_and_never_with_its_number(
    market: Market, pump: Pump
) -> None:
    se = virtual_se(market.northwind)
    credential, _ = provision(market, se)
    pump.run()
    event = WebhookEvent.objects.get(event_type="credential.active")
    described = event.payload["credential"]
    assert described["id"] == str(credential.pk)
    assert described["expiry"] == "2030-12"
    assert described["last4"] == VISA_PAN[-4:]
    assert VISA_PAN not in json.dumps(event.payload)


def test_a_full_live_allocation_stops_live_sims_but_not_the_sandbox(
    market: Market, pump: Pump
) -> None:
    Allocation.objects.filter(pk=market.allocation.pk).update(approved_cap=F("ssds_created"))
    with pytest.raises(ProvisioningError) as refused:
        provision(market, virtual_se(market.northwind))
    assert refused.value.code == "allocation_full"
    _, job = provision(market, virtual_se(market.northwind, sandbox=True), sandbox=True)
    pump.run()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
