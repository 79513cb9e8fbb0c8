"""Suspend, resume and delete a credential, rotate an issuer's keys; in one process."""

import pytest

from enstream.webhooks.models import WebhookEvent
from issuers.models import Allocation
from mno.custody import KeySetState, SdKeySet, sd_keyset
from provisioning.errors import ProvisioningError
from provisioning.gp.registry import LifeCycle
from provisioning.models import Credential, CredentialState, DomainState, Job, JobState
from provisioning.services import (
    credential_delete,
    credential_provision,
    credential_resume,
    credential_suspend,
    issuer_keys_rotate,
)
from tests.cast import Cast
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import MASTERCARD_PAN, Market, card_of, virtual_se, visa

pytestmark = pytest.mark.django_db(transaction=True)


def _active(market: Market, pump: Pump, se: object, **overrides: object) -> Credential:
    arguments: dict = {
        "issuer": market.maple,
        "msisdn": se.msisdn,  # type: ignore[attr-defined]
        "scheme": "visa",
        "applet_profile": "visa_vsdc",
        "card_data": visa(),
        "sandbox": False,
    }
    arguments.update(overrides)
    credential, _ = credential_provision(**arguments)
    pump.run()
    credential.refresh_from_db()
    assert credential.state == CredentialState.ACTIVE
    return credential


def _done(job: Job) -> Job:
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.failure_code, job.failure_message)
    return job


def test_suspend_locks_the_applet_and_resume_unlocks_it(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    job = credential_suspend(credential=credential, actor=cast.maple_operator, reason="lost phone")
    pump.run()
    _done(job)
    credential.refresh_from_db()
    assert credential.state == CredentialState.SUSPENDED
    assert card_of(se).application(credential.instance_aid_bytes).locked
    job = credential_resume(credential=credential, actor=cast.maple_operator)
    pump.run()
    _done(job)
    credential.refresh_from_db()
    assert credential.state == CredentialState.ACTIVE
    instance = card_of(se).application(credential.instance_aid_bytes)
    assert not instance.locked
    assert instance.lifecycle == LifeCycle.PERSONALIZED
    events = list(WebhookEvent.objects.order_by("created_at").values_list("event_type", flat=True))
    assert events == ["credential.active", "credential.suspended", "credential.active"]


def test_lifecycle_operations_are_refused_in_the_wrong_state_or_role(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    with pytest.raises(ProvisioningError) as wrong_state:
        credential_resume(credential=credential, actor=cast.maple_operator)
    assert wrong_state.value.code == "invalid_state"
    with pytest.raises(ProvisioningError) as viewer:
        credential_suspend(credential=credential, actor=cast.maple_viewer)
    assert viewer.value.status == 403
    with pytest.raises(ProvisioningError) as other_issuer:
        credential_suspend(credential=credential, actor=cast.prairie_admin)
    assert other_issuer.value.status == 404
    credential_suspend(credential=credential, actor=cast.operations)
    with pytest.raises(ProvisioningError) as busy:
        credential_delete(credential=credential, actor=cast.maple_operator)
    assert busy.value.code == "credential_busy"


def test_deleting_the_last_credential_deletes_the_ssd_and_gives_the_space_back(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    first = _active(market, pump, se)
    second = _active(
        market,
        pump,
        se,
        scheme="mastercard",
        applet_profile="mastercard_mchip",
        card_data=visa(MASTERCARD_PAN),
    )
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 121
    job = credential_delete(credential=first, actor=cast.maple_operator)
    pump.run()
    _done(job)
    card = card_of(se)
    assert card.application(first.instance_aid_bytes) is None
    assert card.application(second.instance_aid_bytes) is not None
    assert card.application(first.domain.aid_bytes) is not None  # the SSD stays for the other
    job = credential_delete(credential=second, actor=cast.maple_operator)
    pump.run()
    _done(job)
    card = card_of(se)
    assert card.application(second.domain.aid_bytes) is None
    assert card.application(second.instance_aid_bytes) is None
    second.refresh_from_db()
    assert second.state == CredentialState.DELETED
    assert second.domain.state == DomainState.DELETED
    assert Allocation.objects.get(pk=market.allocation.pk).ssds_created == 120
    # Custody keeps no key that would open the deleted SSD, and the SIM has its memory back.
    held = SdKeySet.objects.filter(se=se, sd_aid=second.domain.aid)
    assert set(held.values_list("state", flat=True)) == {KeySetState.DESTROYED}
    assert all(record.secret.is_destroyed for record in held)
    free_before = se.free_nv_bytes
    se.refresh_from_db()
    assert se.free_nv_bytes == free_before
    assert WebhookEvent.objects.filter(event_type="credential.deleted").count() == 2


def test_a_suspended_credential_can_be_deleted(market: Market, pump: Pump, cast: Cast) -> None:
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    credential_suspend(credential=credential, actor=cast.maple_operator)
    pump.run()
    credential.refresh_from_db()
    job = credential_delete(credential=credential, actor=cast.maple_operator)
    pump.run()
    _done(job)
    assert card_of(se).application(credential.instance_aid_bytes) is None


def test_key_rotation_puts_a_new_issuer_key_set_on_every_ssd(
    market: Market, pump: Pump, cast: Cast
) -> None:
    ses = [virtual_se(market.northwind) for _ in range(2)]
    credentials = [_active(market, pump, se) for se in ses]
    before = {se.pk: sd_keyset(se, credentials[0].domain.aid) for se in ses}
    jobs = issuer_keys_rotate(issuer=market.maple, actor=cast.maple_admin)
    pump.run()
    assert len(jobs) == 2
    for se, credential in zip(ses, credentials, strict=True):
        _done(Job.objects.get(domain=credential.domain, kind="key_rotate"))
        after = sd_keyset(se, credential.domain.aid)
        assert after.version == before[se.pk].version + 1
        assert after.kcvs != before[se.pk].kcvs
        on_card = card_of(se).application(credential.domain.aid_bytes).keysets
        assert list(on_card) == [after.version]
        assert on_card[after.version].keys.kcvs == after.kcvs
    # The rotated SSDs still serve: a suspension opens a session with the new keys.
    job = credential_suspend(credential=credentials[0], actor=cast.maple_operator)
    pump.run()
    _done(job)
    assert card_of(ses[0]).application(credentials[0].instance_aid_bytes).locked


def test_jobs_for_one_sim_wait_their_turn(market: Market, pump: Pump, cast: Cast) -> None:
    se = virtual_se(market.northwind)
    credential = _active(market, pump, se)
    _second, provision_job = credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme="mastercard",
        applet_profile="mastercard_mchip",
        card_data=visa(MASTERCARD_PAN),
        sandbox=False,
    )
    suspend_job = credential_suspend(credential=credential, actor=cast.maple_operator)
    assert provision_job.state == JobState.READY
    assert suspend_job.state == JobState.QUEUED
    pump.run()
    _done(provision_job)
    _done(suspend_job)
    provision_job.refresh_from_db()
    suspend_job.refresh_from_db()
    assert suspend_job.started_at >= provision_job.finished_at
