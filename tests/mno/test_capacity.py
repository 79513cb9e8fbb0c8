from dataclasses import fields
from datetime import date, timedelta

from billing.models import PricePlan
from issuers.models import Allocation, NetworkLine, ResaleAgreement
from mno.models import MNO, WholesaleAgreement
from mno.selectors import (
    CapacityUsage,
    IssuerNetworkUsage,
    mno_capacity_used,
    mno_issuer_usage,
    wholesale_agreement_in_force,
)
from tests.cast import Cast
from tests.issuers.factories import World
from tests.mno.factories import WholesaleAgreementFactory


def test_capacity_used_counts_sold_used_and_pending_space(world: World) -> None:
    usage = mno_capacity_used(world.northwind)

    assert (usage.capacity_ssds, usage.capacity_bytes) == (10_000, 400_000_000)
    assert (usage.sold_ssds, usage.sold_bytes) == (1_000, 40_000_000)
    assert (usage.used_ssds, usage.used_bytes) == (120, 4_800_000)
    assert usage.pending_ssds == 300
    assert (usage.unsold_ssds, usage.unsold_bytes) == (9_000, 360_000_000)


def test_without_wholesale_terms_in_force_there_is_no_capacity(world: World) -> None:
    usage = mno_capacity_used(world.northwind, on=date(2000, 1, 1))

    assert usage.agreement is None
    assert usage.capacity_ssds == 0
    assert usage.sold_ssds == 1_000


def test_the_terms_in_force_follow_the_date(world: World) -> None:
    current = world.northwind.wholesale_agreements.get()
    later = WholesaleAgreementFactory(
        mno=world.northwind,
        starts_on=current.ends_on + timedelta(days=1),
        ends_on=current.ends_on + timedelta(days=365),
    )

    assert wholesale_agreement_in_force(world.northwind) == current
    assert wholesale_agreement_in_force(world.northwind, on=later.starts_on) == later


def test_an_mno_sees_ssd_counts_per_issuer_and_no_price(world: World) -> None:
    rows = mno_issuer_usage(world.northwind)

    assert [(r.issuer_name, r.approved_ssds, r.ssds_created, r.pending_requests) for r in rows] == [
        ("Maple Bank of Canada", 1_000, 120, 0),
        ("Prairie Credit Union Ltd.", 0, 0, 1),
    ]
    names = {f.name for f in fields(IssuerNetworkUsage)} | {f.name for f in fields(CapacityUsage)}
    assert not {n for n in names if "price" in n or "amount" in n or "plan" in n}


def test_an_mno_user_is_scoped_to_its_own_network(world: World, cast: Cast) -> None:
    user = cast.northwind_viewer

    assert list(MNO.objects.for_user(user)) == [world.northwind]
    assert list(WholesaleAgreement.objects.for_user(user)) == [
        world.northwind.wholesale_agreements.get()
    ]
    assert set(Allocation.objects.for_user(user)) == {
        world.maple_approved,
        world.prairie_requested,
    }
    assert set(NetworkLine.objects.for_user(user)) == {
        world.maple_northwind,
        world.prairie_northwind,
    }
    # Where the resale prices live, an MNO sees nothing.
    assert not ResaleAgreement.objects.for_user(user).exists()
    assert not PricePlan.objects.for_user(user).exists()


def test_an_issuer_sees_no_mno_record_or_wholesale_term(world: World, cast: Cast) -> None:
    assert not MNO.objects.for_user(cast.maple_admin).exists()
    assert not WholesaleAgreement.objects.for_user(cast.maple_admin).exists()
    assert list(PricePlan.objects.for_user(cast.maple_admin)) == [world.plan]
