"""Provisioning a card onto a virtual SIM, end to end in one process (the task pump)."""

import pytest

from mno.custody import sd_keyset
from provisioning.gp.registry import LifeCycle
from provisioning.models import CredentialState, DomainState, Job, JobState
from provisioning.profiles import DGI_RECORD
from provisioning.services import credential_provision
from tests.cast import Cast
from tests.provisioning.conftest import Pump
from tests.provisioning.helpers import (
    VISA_PAN,
    Market,
    card_of,
    database_contains,
    virtual_se,
    visa,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_card_lands_on_the_sim_with_the_issuers_keys_and_no_card_data_stays(
    market: Market, pump: Pump, cast: Cast
) -> None:
    se = virtual_se(market.northwind)
    credential, job = credential_provision(
        issuer=market.maple,
        msisdn=se.msisdn,
        scheme="visa",
        applet_profile="visa_vsdc",
        card_data=visa(),
        sandbox=False,
        actor=cast.maple_operator,
    )
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
    issuer_keys = sd_keyset(se, credential.domain.aid)
    assert card.key_versions(credential.domain.aid_bytes) == [issuer_keys.version]
    instance = card.application(credential.instance_aid_bytes)
    assert instance.lifecycle == LifeCycle.PERSONALIZED
    record = card.personalization(credential.instance_aid_bytes)[DGI_RECORD]
    assert bytes.fromhex(VISA_PAN) in record
    assert credential.domain.state == DomainState.ACTIVE
    assert database_contains(VISA_PAN) == []
    assert Job.objects.get(pk=job.pk).seq == 1
