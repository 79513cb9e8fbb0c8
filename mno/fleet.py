"""A simulated fleet: virtual SIMs on one network, in realistic mixes, ready for OTA jobs.

Each SE gets a `VirtualCard` with fresh ISD keys; the keys go to custody (sealed), the card's
state is sealed beside it, and the counters start where the card's do (0). With a seed the
same ICCIDs and numbers come out again, so a second run adds nothing it already made.
"""

import os
import random
import time
from dataclasses import dataclass, field

from django.db import transaction

from mno.custody import SdKeySet, sd_keyset_record_new, ssd_keyset_generate
from mno.identifiers import luhn_check_digit
from mno.models import MNO
from mno.registry import AssignmentReason, MsisdnAssignment, Scp, SecureElement, SeStatus
from mno.virtual_cards import VirtualCardState, virtual_card_state_new
from provisioning.gp.keys import KeySet
from provisioning.gp.simulator import VirtualCard

# Canadian area codes; the 555 exchange keeps simulated lines off real subscribers.
# fmt: off
AREA_CODES = (
    "416", "647", "437", "905", "289", "365", "613", "343", "705", "249", "807", "519",
    "226", "548", "514", "438", "450", "579", "819", "873", "418", "581", "367", "604",
    "778", "236", "250", "672", "403", "587", "825", "368", "780", "204", "431", "306",
    "639", "506", "902", "782", "709", "867",
)
# fmt: on
BATCH = 500
# The share of each kind of SIM in a fleet (what the SEM sees on a real network, roughly).
NOT_NFC_SHARE = 0.05
LOW_MEMORY_SHARE = 0.10
SCP02_SHARE = 0.12
LOW_MEMORY_RANGE = (2_048, 12_288)


@dataclass
class FleetReport:
    created: int = 0
    skipped: int = 0
    seconds: float = 0.0
    mix: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.mix[what] = self.mix.get(what, 0) + 1


@dataclass(frozen=True)
class _Plan:
    iccid: str
    msisdn: str
    nfc: bool
    low_memory_free: int | None
    scp: int
    serial: bytes


def _issuer_digits(mno: MNO) -> str:
    code = mno.network_codes.order_by("mcc", "mnc").first()
    return f"{int(code.mnc):03d}" if code is not None else f"{mno.pk % 1000:03d}"


def _plans(mno: MNO, count: int, rng: random.Random, sandbox: bool) -> list[_Plan]:
    # E.118: 89 (telecom), 1 (North America), the network's digits, then the SIM's number.
    prefix = "891" + _issuer_digits(mno) + ("9" if sandbox else "0")
    plans = []
    for _ in range(count):
        body = prefix + "".join(rng.choice("0123456789") for _ in range(18 - len(prefix)))
        msisdn = f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10_000):04d}"
        plans.append(
            _Plan(
                iccid=body + luhn_check_digit(body),
                msisdn=msisdn,
                nfc=rng.random() >= NOT_NFC_SHARE,
                low_memory_free=(
                    rng.randint(*LOW_MEMORY_RANGE) if rng.random() < LOW_MEMORY_SHARE else None
                ),
                scp=Scp.SCP02 if rng.random() < SCP02_SHARE else Scp.SCP03,
                serial=bytes(rng.randrange(256) for _ in range(4)),
            )
        )
    return plans


def _card(plan: _Plan) -> tuple[VirtualCard, KeySet]:
    kind = "des" if plan.scp == Scp.SCP02 else "aes"
    keys = ssd_keyset_generate(version=0x20 if kind == "des" else 0x30, kind=kind)
    card = VirtualCard(keys, scp=plan.scp, contactless=plan.nfc, serial=plan.serial)
    if plan.low_memory_free is not None:
        # The same card with just a little EEPROM left once its OS and applets are in.
        used = card.total_nv - card.free_nv
        card = VirtualCard(
            keys,
            scp=plan.scp,
            contactless=plan.nfc,
            serial=plan.serial,
            total_nv=used + plan.low_memory_free,
        )
    return card, keys


def _fresh(plans: list[_Plan], sandbox: bool, report: FleetReport) -> list[_Plan]:
    """Drop plans whose ICCID exists or whose number is taken (in the registry or the batch)."""
    iccids = {p.iccid for p in plans}
    numbers = {p.msisdn for p in plans}
    known = set(SecureElement.objects.filter(iccid__in=iccids).values_list("iccid", flat=True))
    taken = set(
        SecureElement.objects.filter(
            msisdn__in=numbers, status=SeStatus.ACTIVE, sandbox=sandbox
        ).values_list("msisdn", flat=True)
    )
    fresh = []
    for plan in plans:
        if plan.iccid in known or plan.msisdn in taken:
            report.skipped += 1
            continue
        known.add(plan.iccid)
        taken.add(plan.msisdn)
        fresh.append(plan)
    return fresh


@transaction.atomic
def _create_batch(mno: MNO, plans: list[_Plan], sandbox: bool, report: FleetReport) -> None:
    built = [_card(plan) for plan in plans]
    cards = [card for card, _ in built]
    ses = SecureElement.objects.bulk_create(
        SecureElement(
            iccid=plan.iccid,
            mno=mno,
            msisdn=plan.msisdn,
            nfc_capable=plan.nfc,
            gp_version="2.3.1",
            scp=plan.scp,
            scp_i=0x55 if plan.scp == Scp.SCP02 else 0x70,
            free_nv_bytes=card.free_nv,
            free_v_bytes=card.free_volatile,
            sandbox=sandbox,
        )
        for plan, card in zip(plans, cards, strict=True)
    )
    keysets: list[SdKeySet] = []
    states: list[VirtualCardState] = []
    for se, (card, keys) in zip(ses, built, strict=True):
        keysets.append(sd_keyset_record_new(se=se, sd_aid=se.isd_aid, keyset=keys))
        states.append(virtual_card_state_new(se=se, card=card))
    SdKeySet.objects.bulk_create(keysets)
    VirtualCardState.objects.bulk_create(states)
    MsisdnAssignment.objects.bulk_create(
        MsisdnAssignment(se=se, msisdn=se.msisdn, reason=AssignmentReason.REGISTERED) for se in ses
    )
    for plan in plans:
        report.count("not_nfc" if not plan.nfc else "nfc")
        report.count("scp02_i55" if plan.scp == Scp.SCP02 else "scp03_i70")
        if plan.low_memory_free is not None:
            report.count("low_memory")
    report.created += len(ses)


def fleet_create(
    *, mno: MNO, count: int, sandbox: bool = False, seed: int | None = None
) -> FleetReport:
    """Create up to `count` virtual SEs on `mno`; with a `seed`, the same ones every run."""
    if count < 0:
        raise ValueError("count must be 0 or more")
    started = time.perf_counter()
    rng = random.Random(seed if seed is not None else os.urandom(16))
    report = FleetReport()
    for start in range(0, count, BATCH):
        plans = _plans(mno, min(BATCH, count - start), rng, sandbox)
        fresh = _fresh(plans, sandbox, report)
        if fresh:
            _create_batch(mno, fresh, sandbox, report)
    report.seconds = time.perf_counter() - started
    return report
