"""Pieces shared by the SCP02 and SCP03 secure-messaging layers (host and card side)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import Protocol

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU

__all__ = [
    "InitUpdateResponse",
    "SecureSession",
    "SecurityLevel",
    "has_sm_indication",
    "lc_bytes",
    "mac_cla",
    "plain_cla",
    "rmac_applies",
    "wire_cla",
]


class SecurityLevel(IntFlag):
    """EXTERNAL AUTHENTICATE P1: the protection of every later command and response."""

    NONE = 0x00
    C_MAC = 0x01
    C_DECRYPTION = 0x02
    R_MAC = 0x10
    R_ENCRYPTION = 0x20


# GPCS Table E-11 and Amendment D Table 7-6. 0x10 (R-MAC alone) exists only in SCP02.
VALID_LEVELS = {
    2: frozenset({0x00, 0x01, 0x03, 0x10, 0x11, 0x13}),
    3: frozenset({0x00, 0x01, 0x03, 0x11, 0x13, 0x33}),
}


@dataclass(frozen=True)
class InitUpdateResponse:
    """The card's answer to INITIALIZE UPDATE, decoded (cryptogram still unverified)."""

    kdd: bytes
    key_version: int
    scp: int
    i_param: int | None  # SCP02 does not send it
    card_challenge: bytes
    card_cryptogram: bytes
    sequence_counter: int | None


def rmac_applies(sw: int) -> bool:
    """Responses carry an R-MAC (and R-ENC) only on success and warnings."""
    return sw == 0x9000 or sw >> 8 in (0x62, 0x63)


def mac_cla(cla: int) -> int:
    """CLA as it enters a MAC: logical channel 0, GP secure-messaging bit, chaining bit kept."""
    return (cla & 0x90) | 0x04


def wire_cla(cla: int) -> int:
    """CLA sent to the card: secure messaging indicated in the coding of the CLA's channel range."""
    if cla & 0x40:  # channels 4-19 signal secure messaging in b6
        return cla | 0x20
    return (cla & ~0x08) | 0x04


def plain_cla(cla: int) -> int:
    """Inverse of :func:`wire_cla`: the CLA the application sees after unwrapping."""
    if cla & 0x40:
        return cla & ~0x20
    return cla & ~0x0C


def has_sm_indication(cla: int) -> bool:
    return bool(cla & 0x20) if cla & 0x40 else bool(cla & 0x0C)


def lc_bytes(lc: int) -> bytes:
    """Lc as it appears in a MAC input: short form when it fits, else extended (00 + 2 bytes)."""
    return bytes((lc,)) if lc <= 0xFF else b"\x00" + lc.to_bytes(2, "big")


class SecureSession(Protocol):
    """What :mod:`channel`, :mod:`card_sm` and :mod:`offline` need from an SCP session."""

    scp: int
    i_param: int
    s16: bool
    level: SecurityLevel | None
    card_cryptogram: bytes
    host_cryptogram: bytes

    def external_authenticate(self, level: SecurityLevel) -> CommandAPDU: ...
    def check_external_authenticate(self, capdu: CommandAPDU) -> None: ...
    def wrap_command(self, capdu: CommandAPDU) -> CommandAPDU: ...
    def unwrap_command(self, capdu: CommandAPDU) -> CommandAPDU: ...
    def wrap_response(self, resp: ResponseAPDU) -> ResponseAPDU: ...
    def unwrap_response(self, resp: ResponseAPDU) -> ResponseAPDU: ...
    def encrypt_key(self, key: bytes) -> bytes: ...
    def decrypt_key(self, data: bytes, length: int | None = None) -> bytes: ...
    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes: ...
    def decrypt_sensitive(self, data: bytes, *, unpad: bool = False) -> bytes: ...
