"""Virtual SIMs, cards and a market for provisioning tests."""

import itertools
import json
import random
from dataclasses import dataclass

from django.db import connection

from issuers.models import Allocation, Issuer
from mno.custody import sd_keyset_store, ssd_keyset_generate
from mno.identifiers import luhn_check_digit
from mno.models import MNO, ConnectionSettings, SecureElement
from mno.se_services import Capabilities, se_register
from mno.virtual_cards import PURPOSE, VirtualCardState, state_owner, virtual_card_create
from provisioning.carddata import CardData
from provisioning.gp.simulator import VirtualCard
from tests.cast import Cast
from tests.issuers.factories import World, build_world

_serial = itertools.count(random.randrange(10**6))
VISA_PAN = "4111111111111111"
MASTERCARD_PAN = "5555555555554444"


@dataclass
class Market:
    world: World
    maple: Issuer
    northwind: MNO
    lakeshore: MNO
    allocation: Allocation


def build_market(cast: Cast) -> Market:
    """Maple live on Northwind with 1,000 SSDs approved (120 in use) and on Lakeshore with
    none approved; Prairie onboarding; the outsider with nothing (tests/issuers/factories)."""
    world = build_world(cast)
    return Market(
        world=world,
        maple=world.maple,
        northwind=world.northwind,
        lakeshore=world.lakeshore,
        allocation=world.maple_approved,
    )


def new_iccid() -> str:
    body = f"89302990{next(_serial) % 10**10:010d}"
    return body + luhn_check_digit(body)


def new_msisdn() -> str:
    n = next(_serial)
    area = ("416", "647", "437", "905", "613", "514", "604", "403")[n // 10_000 % 8]
    return f"+1{area}555{n % 10_000:04d}"


def virtual_se(
    mno: MNO,
    *,
    msisdn: str | None = "",
    nfc: bool = True,
    scp: int = 3,
    total_nv: int | None = None,
    claimed_free_nv: int | None = None,
    sandbox: bool = False,
) -> SecureElement:
    """An SE in the registry with a virtual card behind it and its ISD keys in custody.

    `claimed_free_nv`: what the registry believes is free (a stale inventory), whatever the
    card really has."""
    kind = "aes" if scp == 3 else "des"
    keys = ssd_keyset_generate(version=0x30 if scp == 3 else 0x20, kind=kind)
    extra = {"total_nv": total_nv} if total_nv is not None else {}
    card = VirtualCard(keys, scp=scp, contactless=nfc, **extra)
    se = se_register(
        mno=mno,
        iccid=new_iccid(),
        msisdn=new_msisdn() if msisdn == "" else msisdn,
        capabilities=Capabilities(
            nfc_capable=nfc,
            scp=scp,
            scp_i=0x70 if scp == 3 else 0x55,
            free_nv_bytes=card.free_nv if claimed_free_nv is None else claimed_free_nv,
            free_v_bytes=card.free_volatile,
        ),
        sandbox=sandbox,
    )
    sd_keyset_store(se=se, sd_aid=se.isd_aid, keyset=keys)
    virtual_card_create(se=se, card=card)
    return se


def card_of(se: SecureElement) -> VirtualCard:
    """The SE's virtual card as the network left it (its sealed state, restored)."""
    from enstream.keystore import unseal

    state = VirtualCardState.objects.select_related("secret").get(se=se)
    data = unseal(state.secret, purpose=PURPOSE, owner=state_owner(se))
    return VirtualCard.from_state(json.loads(data))


def set_network(mno: MNO, **parameters: object) -> None:
    ConnectionSettings.objects.update_or_create(mno=mno, defaults={"parameters": parameters})


def visa(pan: str = VISA_PAN, **overrides: object) -> CardData:
    values: dict = {
        "pan": pan,
        "expiry_month": 12,
        "expiry_year": 2030,
        "cardholder_name": "Jane Q Public",
        "token_reference": "DNITHE000000000000000001",
    }
    values.update(overrides)
    return CardData(**values)


def database_contains(text: str) -> list[str]:
    """Every column of the database that holds `text` in clear: as text, as ASCII bytes, or
    as packed BCD digits (how EMV data carries a card number). A raw scan of every table."""
    needles = {text.lower(), text.encode().hex()}
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN "
            "('text', 'character varying', 'jsonb', 'json', 'bytea')"
        )
        for table, column, data_type in cursor.fetchall():
            # bytea reads as \x<hex>: the hex of BCD digits is the digits themselves.
            value = f"encode(\"{column}\", 'hex')" if data_type == "bytea" else f'"{column}"::text'
            for needle in needles:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE position(%s in lower({value})) > 0 LIMIT 1',  # noqa: S608
                    [needle],
                )
                if cursor.fetchone():
                    hits.append(f"{table}.{column}")
                    break
    return hits
