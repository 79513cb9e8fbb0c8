"""SIM swaps and ports: the line's credentials follow it, or are suspended with the reason."""

import pytest

from enstream.webhooks.models import WebhookEvent
from issuers.models import Allocation, AllocationStatus
from mno.custody import KeySetState, SdKeySet, sd_keyset
from mno.se_services import se_port, se_swap_sim
from provisioning.gp.registry import LifeCycle
from provisioning.models import Credential, CredentialState, DomainState, Job, JobState
from provisioning.services import credential_card_data_supply, credential_provision
from tests.cast import Cast
from tests.issuers.factories import AllocationFactory
from tests.mno.factories import MnoFactory
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import Market, card_of, virtual_se, visa

pytestmark = pytest.mark.django_db(transaction=True)


def _active(market: Market, pump: Pump, se: object) -> Credential:
    credential, _ = credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,  # type: ignore[attr-defined]
        scheme="visa",
        applet_profile="visa_vsdc",
        card_data=visa(),
        sandbox=False,
    )
    pump.run()
    credential.refresh_from_db()
    assert credential.state == CredentialState.ACTIVE
    return credential


def _approve_lakeshore(market: Market) -> Allocation:
    return AllocationFactory(
        network_line=market.world.maple_lakeshore,
        status=AllocationStatus.APPROVED,
        approved_cap=10,
    )


def test_after_a_sim_swap_the_card_is_prepared_on_the_new_sim_and_the_old_one_void(
    market: Market, pump: Pump, cast: Cast
) -> None:
    old_se = virtual_se(market.northwind)
    new_se = virtual_se(market.northwind, msisdn=None)
    old = _active(market, pump, old_se)
    se_swap_sim(msisdn=old_se.msisdn, new_iccid=new_se.iccid, actor=cast.operations)
    pump.run()
    old.refresh_from_db()
    assert old.state == CredentialState.DELETED
    assert old.reason_code == "sim_swap"
    assert old.domain.state == DomainState.DELETED
    replacement = Credential.objects.get(replaces=old)
    assert replacement.se_id == new_se.pk
    assert replacement.state == CredentialState.REQUESTED
    assert replacement.reason_code == "card_data_required"
    assert Job.objects.get(credential=replacement, kind="migrate").state == JobState.SUCCEEDED
    card = card_of(new_se)
    keys = sd_keyset(new_se, replacement.domain.aid)
    assert list(card.application(replacement.domain.aid_bytes).keysets) == [keys.version]
    assert card.application(replacement.instance_aid_bytes).lifecycle == LifeCycle.SELECTABLE
    # The old SIM's SSD was given back, the new one counted: one in use, as before.
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 121
    # Custody keeps no key that opens the old SIM's SSD.
    old_keys = SdKeySet.objects.filter(se=old_se, sd_aid=old.domain.aid)
    assert set(old_keys.values_list("state", flat=True)) == {KeySetState.DESTROYED}
    deleted = WebhookEvent.objects.get(event_type="credential.deleted")
    assert deleted.payload["replacement"]["id"] == str(replacement.pk)
    assert deleted.payload["reason"]["code"] == "sim_swap"
    # The issuer sends the card again: one round trip personalises it on the new SIM.
    job = credential_card_data_supply(credential=replacement, card_data=visa(), actor=None)
    pump.run()
    job.refresh_from_db()
    replacement.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.seq == 1
    assert replacement.state == CredentialState.ACTIVE
    assert card_of(new_se).application(replacement.instance_aid_bytes).lifecycle == 0x0F


def test_a_port_to_a_covered_network_on_a_new_sim_re_provisions_there(
    market: Market, pump: Pump, cast: Cast
) -> None:
    lakeshore_allocation = _approve_lakeshore(market)
    old_se = virtual_se(market.northwind)
    new_se = virtual_se(market.lakeshore, msisdn=None)
    old = _active(market, pump, old_se)
    se_port(msisdn=old_se.msisdn, to_mno=market.lakeshore, new_iccid=new_se.iccid, actor=None)
    pump.run()
    replacement = Credential.objects.get(replaces=old)
    assert replacement.se_id == new_se.pk
    assert replacement.domain.allocation_id == lakeshore_allocation.pk
    assert Allocation.objects.get(pk=lakeshore_allocation.pk).ssds_created == 1
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 120


def test_a_port_to_an_uncovered_network_suspends_with_the_reason(
    market: Market, pump: Pump, cast: Cast
) -> None:
    elsewhere = MnoFactory(name="Far Away Mobile", short_code="FAM")
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    se_port(msisdn=se.msisdn, to_mno=elsewhere, actor=None)  # same SIM, new network
    pump.run()
    credential.refresh_from_db()
    assert credential.state == CredentialState.SUSPENDED
    assert credential.reason_code == "network_not_in_agreement"
    assert card_of(se).application(credential.instance_aid_bytes).locked
    suspended = WebhookEvent.objects.get(event_type="credential.suspended")
    assert suspended.payload["reason"]["code"] == "network_not_in_agreement"


def test_a_port_keeping_the_sim_on_a_covered_network_moves_only_the_accounting(
    market: Market, pump: Pump
) -> None:
    lakeshore_allocation = _approve_lakeshore(market)
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    se_port(msisdn=se.msisdn, to_mno=market.lakeshore, actor=None)
    pump.run()
    credential.refresh_from_db()
    assert credential.state == CredentialState.ACTIVE
    assert credential.domain.allocation_id == lakeshore_allocation.pk
    assert Allocation.objects.get(pk=lakeshore_allocation.pk).ssds_created == 1
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 120
    assert not Job.objects.filter(kind="suspend").exists()
