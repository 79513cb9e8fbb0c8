import io

from billing.models import PricePlan
from issuers import demo
from issuers.models import Allocation, AllocationStatus, Issuer, IssuerStatus, LineStatus
from issuers.selectors import agreement_in_force
from mno.models import MNO, WholesaleAgreement
from tests.cast import Cast


def _seed() -> str:
    out = io.StringIO()
    demo.seed(stdout=out)
    return out.getvalue()


def test_the_demo_has_five_networks_three_issuers_and_space_pending_and_approved(
    cast: Cast,
) -> None:
    _seed()

    assert MNO.objects.count() == 5
    assert set(MNO.objects.values_list("network_codes__mcc", flat=True)) == {"302"}
    assert WholesaleAgreement.objects.count() == 5
    assert PricePlan.objects.filter(code__in=["standard", "small-issuer"]).count() == 2
    statuses = dict(Issuer.objects.values_list("organisation__slug", "status"))
    assert statuses == {
        "maple": IssuerStatus.LIVE,
        "prairie": IssuerStatus.LIVE,
        "tundra": IssuerStatus.ONBOARDING,
    }
    maple = Issuer.objects.get(organisation__slug="maple")
    assert agreement_in_force(maple).lines.filter(status=LineStatus.LIVE).count() == 3
    prairie = agreement_in_force(Issuer.objects.get(organisation__slug="prairie"))
    planned = prairie.lines.get(status=LineStatus.PLANNED)
    assert planned.phase_in_on.day == 1
    assert planned.mno.name == "Borealis Telecom"
    assert Allocation.objects.filter(status=AllocationStatus.REQUESTED).count() == 3
    assert Allocation.objects.filter(status=AllocationStatus.APPROVED).count() == 4


def test_seeding_twice_changes_nothing(cast: Cast) -> None:
    _seed()
    counts = (MNO.objects.count(), Issuer.objects.count(), Allocation.objects.count())

    second = _seed()

    assert (MNO.objects.count(), Issuer.objects.count(), Allocation.objects.count()) == counts
    assert second == ""
