import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mno.custody import SdKeySet, isd_keyset
from mno.fleet import fleet_create
from mno.identifiers import luhn_valid, normalize_msisdn
from mno.models import MNO
from mno.registry import Scp, SecureElement
from mno.virtual_cards import VirtualCardState

pytestmark = pytest.mark.django_db


def test_a_fleet_has_the_realistic_mix_of_sims(northwind: MNO) -> None:
    report = fleet_create(mno=northwind, count=400, seed=42)
    ses = SecureElement.objects.filter(mno=northwind)

    assert report.created == ses.count() == 400
    not_nfc = ses.filter(nfc_capable=False).count()
    low_memory = ses.filter(free_nv_bytes__lt=16 * 1024).count()
    scp02 = ses.filter(scp=Scp.SCP02, scp_i=0x55).count()
    assert 8 <= not_nfc <= 40  # about 5 %
    assert 20 <= low_memory <= 70  # about 10 %
    assert 25 <= scp02 <= 80  # about 12 %, the rest SCP03 i=70
    assert ses.filter(scp=Scp.SCP03, scp_i=0x70).count() == 400 - scp02
    assert report.mix["not_nfc"] == not_nfc
    assert report.mix["low_memory"] == low_memory


def test_every_fleet_sim_is_valid_reachable_and_its_keys_are_in_custody(northwind: MNO) -> None:
    fleet_create(mno=northwind, count=20, seed=5)
    for se in SecureElement.objects.filter(mno=northwind):
        assert luhn_valid(se.iccid)
        assert se.iccid.startswith("891")
        assert normalize_msisdn(se.msisdn) == se.msisdn
        assert se.msisdn.startswith("+1")
        assert se.assignments.get().msisdn == se.msisdn
        record = SdKeySet.objects.get(se=se)
        assert (record.sd_aid, record.sequence_counter) == (se.isd_aid, 0)
        assert isd_keyset(se).kind == ("des" if se.scp == Scp.SCP02 else "aes")
    assert VirtualCardState.objects.filter(se__mno=northwind).count() == 20


def test_the_same_seed_makes_nothing_twice(northwind: MNO) -> None:
    first = fleet_create(mno=northwind, count=30, seed=9)
    again = fleet_create(mno=northwind, count=30, seed=9)
    assert (first.created, again.created, again.skipped) == (30, 0, 30)
    assert fleet_create(mno=northwind, count=30, seed=10).created == 30


def test_a_sandbox_fleet_is_kept_apart(northwind: MNO) -> None:
    fleet_create(mno=northwind, count=10, sandbox=True, seed=1)
    fleet_create(mno=northwind, count=10, seed=1)
    assert SecureElement.objects.filter(sandbox=True).count() == 10
    sandbox_iccids = set(SecureElement.objects.filter(sandbox=True).values_list("iccid", flat=True))
    live_iccids = set(SecureElement.objects.filter(sandbox=False).values_list("iccid", flat=True))
    assert not sandbox_iccids & live_iccids


def test_the_command_reports_what_it_made(northwind: MNO) -> None:
    out = io.StringIO()
    call_command("simulate_fleet", "--mno", "nwm", "--count", "25", "--seed", "3", stdout=out)
    assert out.getvalue().startswith("NWM: 25 virtual SEs created, 0 already there")
    with pytest.raises(CommandError, match="No network 'XXX'"):
        call_command("simulate_fleet", "--mno", "XXX", "--count", "1")


def test_the_demo_fleet_seeds_every_network_once(northwind: MNO, lakeshore: MNO) -> None:
    from mno import fleet_demo

    out = io.StringIO()
    fleet_demo.seed(stdout=out)
    fleet_demo.seed(stdout=out)
    assert SecureElement.objects.filter(mno=lakeshore).count() == fleet_demo.PER_NETWORK
    assert SecureElement.objects.filter(mno=northwind, sandbox=True).count() == (
        fleet_demo.SANDBOX_COUNT
    )
    assert out.getvalue().count("sandbox virtual SIMs") == 1
