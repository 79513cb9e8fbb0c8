"""Demo issuers at three stages, written through the services (so with history and audit):

- Maple Bank: live on three networks, space approved and in use, one request pending;
- Prairie Credit Union: live on three networks, phasing in a fourth on the 1st of next month;
- Tundra Transit: onboarding, agreement signed for next month, a first request pending.

Needs the MNOs and price plans, so it seeds those first. Safe to run twice: an issuer that
exists is left as it is.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing import demo as billing_demo
from billing.invoices_profiles import billing_profile_set
from billing.models import PricePlan
from billing.tax import Province
from enstream.accounts.models import User
from enstream.accounts.roles import OrgKind
from issuers import services
from issuers.demo_support import demo_actor, demo_organisation, say
from issuers.models import Issuer, IssuerKind, IssuerStatus, NetworkLine
from mno import demo as mno_demo
from mno.models import MNO


@dataclass
class Space:
    network: str
    expected: int
    cap: int | None = None  # None: left pending
    in_use: int = 0


@dataclass
class DemoIssuer:
    slug: str
    name: str
    legal_name: str
    kind: str
    networks: list[str]
    months_in: int  # 0: the agreement starts next month
    plan: str = "standard"
    planned: list[str] = field(default_factory=list)
    space: list[Space] = field(default_factory=list)
    payment_networks: tuple[str, ...] = ("visa", "mastercard", "interac")


# The demo issuers' head offices, for GST/HST.
DEMO_PROVINCES = {"maple": Province.ON, "prairie": Province.SK, "tundra": Province.NS}

ISSUERS = [
    DemoIssuer(
        "maple",
        "Maple Bank",
        "Maple Bank of Canada",
        IssuerKind.BANK,
        ["northwind", "lakeshore", "borealis"],
        months_in=8,
        space=[
            Space("northwind", 60_000, cap=50_000, in_use=12_340),
            Space("lakeshore", 25_000, cap=20_000, in_use=4_100),
            Space("borealis", 10_000),
        ],
    ),
    DemoIssuer(
        "prairie",
        "Prairie Credit Union",
        "Prairie Credit Union Ltd.",
        IssuerKind.CREDIT_UNION,
        ["northwind", "cascadia", "atlantica"],
        months_in=4,
        planned=["borealis"],
        space=[
            Space("northwind", 8_000, cap=8_000, in_use=2_250),
            Space("cascadia", 5_000, cap=4_000, in_use=600),
            Space("borealis", 3_000),
        ],
        payment_networks=("visa", "interac"),
    ),
    DemoIssuer(
        "tundra",
        "Tundra Transit",
        "Tundra Regional Transit Authority",
        IssuerKind.TRANSIT,
        ["northwind", "lakeshore"],
        months_in=0,
        plan="small-issuer",
        space=[Space("northwind", 2_000)],
        payment_networks=(),
    ),
]


def _first_of_month(today: date, months_back: int) -> date:
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def seed(*, stdout: Any) -> None:
    mno_demo.seed(stdout=stdout)
    billing_demo.seed(stdout=stdout)
    actor = demo_actor()
    for spec in ISSUERS:
        organisation = demo_organisation(slug=spec.slug, name=spec.name, kind=OrgKind.ISSUER)
        if Issuer.objects.filter(organisation=organisation).exists():
            continue
        with transaction.atomic():
            _seed_issuer(spec, organisation, actor)
        say(stdout, f"issuer {spec.name}")
    _seed_billing_profiles(actor)


def _seed_billing_profiles(actor: User) -> None:
    # Finance sets each issuer's tax province before its first invoice; without one the demo's
    # month close could draft invoices but never issue them.
    for issuer in Issuer.objects.filter(billing_profile__isnull=True).select_related(
        "organisation"
    ):
        province = DEMO_PROVINCES.get(issuer.organisation.slug, Province.ON)
        billing_profile_set(issuer=issuer, actor=actor, province=province)


def _seed_issuer(spec: DemoIssuer, organisation: Any, actor: User) -> None:
    today = timezone.localdate()
    mnos = {m.organisation.slug: m for m in MNO.objects.select_related("organisation")}
    issuer = services.issuer_create(
        actor=actor,
        organisation=organisation,
        legal_name=spec.legal_name,
        kind=spec.kind,
        payment_networks=spec.payment_networks,
        contacts=[
            {
                "name": "Card programme lead",
                "role": "Commercial",
                "email": f"cards@{spec.slug}.example",
            },
            {"name": "Operations desk", "role": "Operations", "phone": "+1 204 555 0142"},
        ],
    )
    issuer = services.issuer_transition(issuer=issuer, to=IssuerStatus.ONBOARDING, actor=actor)
    starts = (
        _first_of_month(today, spec.months_in) if spec.months_in else _first_of_month(today, -1)
    )
    agreement = services.agreement_create(
        issuer=issuer,
        actor=actor,
        effective_on=starts,
        expires_on=starts.replace(year=starts.year + 3) - timedelta(days=1),
        price_plan=PricePlan.objects.get(code=spec.plan),
        number=f"RA-{spec.slug.upper()}-01",
    )
    lines: dict[str, NetworkLine] = {}
    for slug in spec.networks:
        lines[slug] = services.agreement_add_network_line(
            agreement=agreement, mno=mnos[slug], phase_in_on=starts, actor=actor
        )
    for slug in spec.planned:
        lines[slug] = services.agreement_add_network_line(
            agreement=agreement, mno=mnos[slug], phase_in_on=_first_of_month(today, -1), actor=actor
        )
    services.agreement_sign(agreement=agreement, actor=actor, signed_on=starts - timedelta(days=20))
    if spec.months_in:
        services.agreement_activate(agreement=agreement, actor=actor)
        for slug in spec.networks:
            services.network_line_phase_in(line=lines[slug], actor=actor, on=starts)
        services.issuer_transition(issuer=issuer, to=IssuerStatus.LIVE, actor=actor)
    for space in spec.space:
        allocation = services.allocation_request(
            network_line=lines[space.network],
            actor=actor,
            nv_quota_bytes=40_000,
            v_quota_bytes=2_000,
            expected_ssds=space.expected,
            monthly_forecast=max(space.expected // 12, 1),
            privileges=["delegated_management"],
            note="Demo: payment applet SSD template",
        )
        if space.cap is None:
            continue
        services.allocation_approve(allocation=allocation, actor=actor, cap=space.cap)
        if space.in_use:
            services.allocation_record_usage(
                allocation_id=allocation.pk,
                ssds_delta=space.in_use,
                bytes_delta=space.in_use * allocation.bytes_per_ssd,
            )
