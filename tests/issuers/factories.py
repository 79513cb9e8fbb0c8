from dataclasses import dataclass
from datetime import date, timedelta

import factory
from django.utils import timezone

from billing.models import PricePlan
from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind
from issuers.models import (
    AgreementStatus,
    Allocation,
    AllocationStatus,
    Issuer,
    IssuerKind,
    IssuerStatus,
    LineStatus,
    NetworkLine,
    ResaleAgreement,
)
from mno.models import MNO
from tests.billing.factories import PricePlanFactory, standard_plan
from tests.cast import Cast
from tests.mno.factories import MnoFactory, WholesaleAgreementFactory


def _today() -> date:
    return timezone.localdate()


class IssuerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Issuer {n}")
    slug = factory.Sequence(lambda n: f"issuer-{n}")
    kind = OrgKind.ISSUER


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer

    organisation = factory.SubFactory(IssuerOrganisationFactory)
    legal_name = factory.LazyAttribute(lambda o: f"{o.organisation.name} Ltd.")
    kind = IssuerKind.BANK
    payment_networks = factory.LazyFunction(lambda: ["visa", "interac"])
    status = IssuerStatus.LIVE


class ResaleAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResaleAgreement

    issuer = factory.SubFactory(IssuerFactory)
    number = factory.Sequence(lambda n: f"RA-TEST-{n:03d}")
    effective_on = factory.LazyFunction(lambda: _today() - timedelta(days=180))
    expires_on = factory.LazyFunction(lambda: _today() + timedelta(days=2 * 365))
    status = AgreementStatus.ACTIVE
    price_plan = factory.SubFactory(PricePlanFactory)
    activated_at = factory.LazyFunction(timezone.now)


class NetworkLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkLine

    agreement = factory.SubFactory(ResaleAgreementFactory)
    mno = factory.SubFactory(MnoFactory)
    phase_in_on = factory.LazyAttribute(lambda o: o.agreement.effective_on)
    status = LineStatus.LIVE
    live_from = factory.LazyAttribute(lambda o: o.phase_in_on)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    network_line = factory.SubFactory(NetworkLineFactory)
    nv_quota_bytes = 32_000
    v_quota_bytes = 8_000
    privileges = factory.LazyFunction(lambda: ["delegated_management"])
    expected_ssds = 500
    monthly_forecast = 50
    status = AllocationStatus.REQUESTED


@dataclass
class World:
    """The cast's organisations set up as a small market: Maple live on two networks with
    space approved on Northwind, Prairie onboarding on Northwind, the outsider with nothing."""

    plan: PricePlan
    northwind: MNO
    lakeshore: MNO
    maple: Issuer
    prairie: Issuer
    outsider: Issuer
    maple_agreement: ResaleAgreement
    prairie_agreement: ResaleAgreement
    maple_northwind: NetworkLine
    maple_lakeshore: NetworkLine
    prairie_northwind: NetworkLine
    maple_approved: Allocation
    maple_requested: Allocation
    prairie_requested: Allocation


def build_world(cast: Cast) -> World:
    plan = standard_plan(code="standard", name="Standard")
    northwind = MnoFactory(organisation=cast.northwind, name="Northwind Mobile", short_code="NWM")
    lakeshore = MnoFactory(name="Lakeshore Wireless", short_code="LKW")
    for mno in (northwind, lakeshore):
        WholesaleAgreementFactory(mno=mno)
    maple = IssuerFactory(organisation=cast.maple, legal_name="Maple Bank of Canada")
    prairie = IssuerFactory(
        organisation=cast.prairie,
        legal_name="Prairie Credit Union Ltd.",
        kind=IssuerKind.CREDIT_UNION,
        status=IssuerStatus.ONBOARDING,
    )
    outsider = IssuerFactory(organisation=cast.outsider_org, legal_name="Outsider Bank")
    maple_agreement = ResaleAgreementFactory(issuer=maple, number="RA-MAPLE-01", price_plan=plan)
    prairie_agreement = ResaleAgreementFactory(
        issuer=prairie, number="RA-PRAIRIE-01", price_plan=plan
    )
    maple_northwind = NetworkLineFactory(agreement=maple_agreement, mno=northwind)
    maple_lakeshore = NetworkLineFactory(agreement=maple_agreement, mno=lakeshore)
    prairie_northwind = NetworkLineFactory(agreement=prairie_agreement, mno=northwind)
    return World(
        plan=plan,
        northwind=northwind,
        lakeshore=lakeshore,
        maple=maple,
        prairie=prairie,
        outsider=outsider,
        maple_agreement=maple_agreement,
        prairie_agreement=prairie_agreement,
        maple_northwind=maple_northwind,
        maple_lakeshore=maple_lakeshore,
        prairie_northwind=prairie_northwind,
        maple_approved=AllocationFactory(
            network_line=maple_northwind,
            status=AllocationStatus.APPROVED,
            approved_cap=1_000,
            ssds_created=120,
            bytes_used=120 * 40_000,
        ),
        maple_requested=AllocationFactory(network_line=maple_lakeshore),
        prairie_requested=AllocationFactory(network_line=prairie_northwind, expected_ssds=300),
    )
