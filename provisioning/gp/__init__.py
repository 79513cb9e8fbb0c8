"""Pure-Python GlobalPlatform engine: TLV, APDUs, SCP02/SCP03 host and card sides.

This package must never import Django: it runs in workers, the CLI and the virtual card alike.
"""

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU, T0Transport, Transport
from provisioning.gp.errors import GPError, GPParseError, SecureChannelError, sw_meaning
from provisioning.gp.tlv import Tlv, encode_tlv, parse_tlv, parse_tlvs

__all__ = [
    "CommandAPDU",
    "GPError",
    "GPParseError",
    "ResponseAPDU",
    "SecureChannelError",
    "T0Transport",
    "Tlv",
    "Transport",
    "encode_tlv",
    "parse_tlv",
    "parse_tlvs",
    "sw_meaning",
]
