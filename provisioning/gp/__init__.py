"""Pure-Python GlobalPlatform engine: TLV, APDUs, SCP02/SCP03 host and card sides.

This package must never import Django: it runs in workers, the CLI and the virtual card alike.
"""

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU, T0Transport, Transport
from provisioning.gp.card_sm import CardSecureChannel
from provisioning.gp.channel import SecureChannel, open_secure_channel, start_session
from provisioning.gp.crypto import kcv, kcv_aes, kcv_des
from provisioning.gp.errors import GPError, GPParseError, SecureChannelError, sw_meaning
from provisioning.gp.keys import DIVERSIFICATIONS, KeySet, diversify
from provisioning.gp.offline import PreparedSession, prepare_session
from provisioning.gp.sm import SecurityLevel
from provisioning.gp.tlv import Tlv, encode_tlv, parse_tlv, parse_tlvs

__all__ = [
    "DIVERSIFICATIONS",
    "CardSecureChannel",
    "CommandAPDU",
    "GPError",
    "GPParseError",
    "KeySet",
    "PreparedSession",
    "ResponseAPDU",
    "SecureChannel",
    "SecureChannelError",
    "SecurityLevel",
    "T0Transport",
    "Tlv",
    "Transport",
    "diversify",
    "encode_tlv",
    "kcv",
    "kcv_aes",
    "kcv_des",
    "open_secure_channel",
    "parse_tlv",
    "parse_tlvs",
    "prepare_session",
    "start_session",
    "sw_meaning",
]
