"""Demo MNOs: five Canadian-style networks (invented names, MCC 302, MNCs from a range no real
network uses) with their wholesale terms and simulated connections. Safe to run twice."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.accounts.models import User
from enstream.accounts.roles import OrgKind
from issuers.demo_support import demo_actor, demo_organisation, say
from mno import fleet_demo
from mno.models import MNO, AdapterKind, MnoStatus
from mno.services import mno_connection_configure, mno_create, wholesale_agreement_create

D = Decimal
# What one SSD of a typical payment template reserves (both quotas), for the byte capacity.
BYTES_PER_SSD = 48_000


@dataclass(frozen=True)
class DemoNetwork:
    slug: str
    name: str
    short_code: str
    mnc: str
    capacity_ssds: int
    per_active_ssd: Decimal
    per_ota_operation: Decimal
    per_credential: Decimal


NETWORKS = [
    DemoNetwork(
        "northwind", "Northwind Mobile", "NWM", "910", 250_000, D("0.08"), D("0.015"), D("0.35")
    ),
    DemoNetwork(
        "lakeshore", "Lakeshore Wireless", "LKW", "911", 150_000, D("0.085"), D("0.014"), D("0.36")
    ),
    DemoNetwork(
        "borealis", "Borealis Telecom", "BOR", "912", 120_000, D("0.09"), D("0.016"), D("0.34")
    ),
    DemoNetwork(
        "cascadia", "Cascadia Cellular", "CAS", "913", 80_000, D("0.095"), D("0.017"), D("0.38")
    ),
    DemoNetwork(
        "atlantica", "Atlantica Mobile", "ATL", "914", 40_000, D("0.10"), D("0.02"), D("0.40")
    ),
]


def seed(*, stdout: Any) -> None:
    actor = demo_actor()
    for network in NETWORKS:
        with transaction.atomic():
            _seed_network(network, actor, stdout)
    # The virtual SIM fleet needs the networks above; it is idempotent on its own.
    fleet_demo.seed(stdout=stdout)


def _seed_network(network: DemoNetwork, actor: User, stdout: Any) -> None:
    organisation = demo_organisation(slug=network.slug, name=network.name, kind=OrgKind.MNO)
    mno = MNO.objects.filter(organisation=organisation).first()
    if mno is None:
        mno = mno_create(
            actor=actor,
            organisation=organisation,
            name=network.name,
            short_code=network.short_code,
            plmn_codes=[f"302-{network.mnc}"],
            status=MnoStatus.LIVE,
            contacts=[
                {
                    "name": f"{network.name} NOC",
                    "role": "NOC 24/7",
                    "email": f"noc@{network.slug}.example",
                },
                {"name": "Wholesale desk", "role": "Commercial", "phone": "+1 416 555 0100"},
            ],
        )
        mno_connection_configure(
            mno=mno,
            actor=actor,
            adapter_kind=AdapterKind.SIMULATED,
            parameters={"latency_ms": 800, "fault_rate": 0.01},
        )
        say(stdout, f"MNO {network.name} (302-{network.mnc})")
    if mno.wholesale_agreements.exists():
        return
    today = timezone.localdate()
    starts_on = date(today.year - 1, 1, 1)
    wholesale_agreement_create(
        mno=mno,
        actor=actor,
        reference=f"WA-{network.short_code}-{starts_on.year}",
        starts_on=starts_on,
        ends_on=date(today.year + 3, 12, 31),
        capacity_ssds=network.capacity_ssds,
        capacity_bytes=network.capacity_ssds * BYTES_PER_SSD,
        price_per_active_ssd_month=network.per_active_ssd,
        price_per_ota_operation=network.per_ota_operation,
        price_per_credential_provisioned=network.per_credential,
    )
    say(stdout, f"wholesale terms for {network.name}: {network.capacity_ssds:,} SSDs")
