"""Shared cast of the GP card tests: keys, AIDs and session helpers on the virtual card."""

from provisioning.gp.channel import SecurityLevel, open_secure_channel
from provisioning.gp.keys import KeySet
from provisioning.gp.manager import CardManager
from provisioning.gp.simulator import VirtualCard

ISD_KEYS = KeySet.single(bytes(range(0x40, 0x50)), version=0x30)
SEM_SSD_KEYS = KeySet(
    bytes.fromhex("11" * 16), bytes.fromhex("22" * 16), bytes.fromhex("33" * 16), version=0x30
)
ISSUER_KEYS = KeySet(
    bytes.fromhex("A1" * 16), bytes.fromhex("A2" * 16), bytes.fromhex("A3" * 16), version=0x31
)
MAPLE_SSD = bytes.fromhex("A00000015153530101")
PRAIRIE_SSD = bytes.fromhex("A00000015153530102")
FULL = SecurityLevel(0x33)


def new_card(**kwargs) -> VirtualCard:
    return VirtualCard(ISD_KEYS, serial=bytes.fromhex("01020304"), **kwargs)


def isd(card: VirtualCard, level: SecurityLevel = FULL) -> CardManager:
    channel = open_secure_channel(card, ISD_KEYS, aid=card.isd_aid, security_level=level)
    return CardManager(channel)


def ssd(card: VirtualCard, aid: bytes, keys: KeySet, level: SecurityLevel = FULL) -> CardManager:
    channel = open_secure_channel(
        card, keys, aid=aid, security_level=level, key_version=keys.version
    )
    return CardManager(channel)


def card_with_issuer_ssd(*, nv_quota: int = 20_000, v_quota: int = 2_048) -> VirtualCard:
    """A card where the SEM created MAPLE_SSD and handed its keys over to the issuer."""
    card = new_card()
    sem = isd(card)
    sem.create_ssd(MAPLE_SSD, nv_quota=nv_quota, v_quota=v_quota)
    sem.personalize_sd_keys(MAPLE_SSD, SEM_SSD_KEYS)
    ssd(card, MAPLE_SSD, SEM_SSD_KEYS).put_keyset(ISSUER_KEYS, replace_version=0x30)
    return card
