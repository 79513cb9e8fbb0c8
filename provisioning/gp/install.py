"""INSTALL in all its variants, LOAD, and the install / load / security domain parameters.

Data field layouts are GPCS 2.3.1 §11.5.2.3 (INSTALL), §11.6 (LOAD), Tables 11-48/11-49
(parameters) and the SD parameters inside C9 as the GP configuration documents define them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.registry import Privilege
from provisioning.gp.tlv import encode_tlv, parse_tlvs

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "SSD_LOAD_FILE",
    "SSD_MODULE",
    "InstallFor",
    "InstallParameters",
    "install_for_extradition",
    "install_for_install",
    "install_for_load",
    "install_for_make_selectable",
    "install_for_personalization",
    "install_parameters",
    "load_commands",
    "load_parameters",
    "parse_install_parameters",
    "sd_parameters",
]

# The security domain package and module that GlobalPlatformPro and most SIM vendors expose.
SSD_LOAD_FILE = bytes.fromhex("A0000001515350")
SSD_MODULE = bytes.fromhex("A000000151535041")

# 239 plain bytes is the most a short APDU can carry once SCP02 or SCP03-S8 adds padding and an
# 8-byte MAC (240 + 8 <= 255). SCP03 S16 needs 223.
DEFAULT_BLOCK_SIZE = 239

# A quota of up to 32767 fits two bytes; larger quotas take four (GPCS Table 11-49).
_TWO_BYTE_QUOTA_MAX = 0x7FFF


class InstallFor(IntEnum):
    """INSTALL P1 (b8, "more INSTALL commands follow", is never set by this engine)."""

    LOAD = 0x02
    INSTALL = 0x04
    MAKE_SELECTABLE = 0x08
    INSTALL_AND_MAKE_SELECTABLE = 0x0C
    EXTRADITION = 0x10
    PERSONALIZATION = 0x20
    REGISTRY_UPDATE = 0x40


def _lv(value: bytes) -> bytes:
    if len(value) > 0xFF:
        raise ValueError(f"INSTALL field of {len(value)} bytes does not fit a one-byte length")
    return bytes([len(value)]) + bytes(value)


def _install(p1: InstallFor, *fields: bytes) -> CommandAPDU:
    return CommandAPDU(0x80, 0xE6, int(p1), 0x00, b"".join(fields), le=256)


def install_for_load(
    load_file_aid: bytes,
    *,
    sd_aid: bytes = b"",
    block_hash: bytes = b"",
    parameters: bytes = b"",
    token: bytes = b"",
) -> CommandAPDU:
    """INSTALL [for load]; an empty ``sd_aid`` associates the file with the current SD."""
    return _install(
        InstallFor.LOAD,
        _lv(load_file_aid),
        _lv(sd_aid),
        _lv(block_hash),
        _lv(parameters),
        _lv(token),
    )


def install_for_install(
    load_file_aid: bytes,
    module_aid: bytes,
    instance_aid: bytes,
    *,
    privileges: Privilege = Privilege.NONE,
    parameters: bytes = b"\xc9\x00",
    token: bytes = b"",
    make_selectable: bool = True,
) -> CommandAPDU:
    """INSTALL [for install] (and [for make selectable] in the same command by default)."""
    p1 = InstallFor.INSTALL_AND_MAKE_SELECTABLE if make_selectable else InstallFor.INSTALL
    return _install(
        p1,
        _lv(load_file_aid),
        _lv(module_aid),
        _lv(instance_aid),
        _lv(privileges.to_bytes()),
        _lv(parameters),
        _lv(token),
    )


def install_for_make_selectable(
    instance_aid: bytes, *, privileges: Privilege = Privilege.NONE, token: bytes = b""
) -> CommandAPDU:
    return _install(
        InstallFor.MAKE_SELECTABLE,
        b"\x00\x00",
        _lv(instance_aid),
        _lv(privileges.to_bytes()),
        b"\x00",
        _lv(token),
    )


def install_for_personalization(instance_aid: bytes) -> CommandAPDU:
    """Route the following STORE DATA commands of this session to ``instance_aid``."""
    return _install(InstallFor.PERSONALIZATION, b"\x00\x00", _lv(instance_aid), b"\x00\x00\x00")


def install_for_extradition(
    instance_aid: bytes, sd_aid: bytes, *, token: bytes = b""
) -> CommandAPDU:
    """Move ``instance_aid`` (an application or load file) under the security domain ``sd_aid``."""
    return _install(
        InstallFor.EXTRADITION, _lv(sd_aid), b"\x00", _lv(instance_aid), b"\x00", _lv(token)
    )


def load_commands(load_file: bytes, *, block_size: int = DEFAULT_BLOCK_SIZE) -> list[CommandAPDU]:
    """LOAD blocks for ``load_file`` (the ELF bytes, e.g. CAP components), wrapped in C4.

    Blocks are numbered from 0 in P2, the last one has P1 = 80; a file needing more than 256
    blocks cannot be loaded with one-byte block numbers and raises ValueError.
    """
    if not 0 < block_size <= 0xFF:
        raise ValueError(f"block size must be 1..255, got {block_size}")
    stream = encode_tlv(0xC4, load_file)
    blocks = [stream[i : i + block_size] for i in range(0, len(stream), block_size)]
    if len(blocks) > 0x100:
        raise ValueError(f"load file needs {len(blocks)} blocks, more than 256")
    last = len(blocks) - 1
    return [
        CommandAPDU(0x80, 0xE8, 0x80 if n == last else 0x00, n, block)
        for n, block in enumerate(blocks)
    ]


def _quota(value: int) -> bytes:
    if value < 0:
        raise ValueError("a memory quota cannot be negative")
    return value.to_bytes(2 if value <= _TWO_BYTE_QUOTA_MAX else 4, "big")


def install_parameters(
    app_specific: bytes = b"",
    *,
    nv_quota: int | None = None,
    v_quota: int | None = None,
    ts102226: bytes | None = None,
) -> bytes:
    """C9 (always present, possibly empty) then EF with C8 / C7 / CA when any is given."""
    system = b""
    if nv_quota is not None:
        system += encode_tlv(0xC8, _quota(nv_quota))
    if v_quota is not None:
        system += encode_tlv(0xC7, _quota(v_quota))
    if ts102226 is not None:
        system += encode_tlv(0xCA, ts102226)
    out = encode_tlv(0xC9, app_specific)
    return out + encode_tlv(0xEF, system) if system else out


def load_parameters(
    *, nv_code: int | None = None, volatile_data: int | None = None, nv_data: int | None = None
) -> bytes:
    """EF with the minimum memory a load file needs: C6 code, C7 volatile data, C8 NV data."""
    body = b""
    for tag, value in ((0xC6, nv_code), (0xC7, volatile_data), (0xC8, nv_data)):
        if value is not None:
            body += encode_tlv(tag, _quota(value))
    return encode_tlv(0xEF, body)


def sd_parameters(
    *,
    scp: int,
    i_param: int,
    accept_extradition_to: int | None = None,
    accept_delete: int | None = None,
    explicit_personalized: bool = False,
    casd_capability: bytes | None = None,
    accept_extradition_away: bytes | None = None,
) -> bytes:
    """Security domain parameters, the value of C9 when installing an SSD."""
    out = encode_tlv(0x81, bytes([scp, i_param]))
    if accept_extradition_to is not None:
        out += encode_tlv(0x82, bytes([accept_extradition_to]))
    if accept_delete is not None:
        out += encode_tlv(0x83, bytes([accept_delete]))
    if explicit_personalized:
        out += encode_tlv(0x84, b"")
    if casd_capability is not None:
        out += encode_tlv(0x86, casd_capability)
    if accept_extradition_away is not None:
        out += encode_tlv(0x87, accept_extradition_away)
    return out


@dataclass(frozen=True)
class InstallParameters:
    """What a card reads from INSTALL [for install] parameters."""

    app_specific: bytes = b""
    nv_quota: int | None = None
    v_quota: int | None = None
    scp_options: tuple[tuple[int, int], ...] = ()


def _int(value: bytes, what: str) -> int:
    if len(value) not in (1, 2, 4):
        raise GPParseError(f"install parameters: {what} must be 1, 2 or 4 bytes")
    return int.from_bytes(value, "big")


def parse_install_parameters(data: bytes) -> InstallParameters:
    """Parse C9 / EF; SD parameters inside C9 are read only when C9 holds BER-TLV."""
    app_specific, nv_quota, v_quota = b"", None, None
    for tlv in parse_tlvs(data):
        if tlv.tag == 0xC9:
            app_specific = tlv.value
        elif tlv.tag == 0xEF:
            for item in parse_tlvs(tlv.value):
                if item.tag == 0xC8:
                    nv_quota = _int(item.value, "non-volatile quota (C8)")
                elif item.tag == 0xC7:
                    v_quota = _int(item.value, "volatile quota (C7)")
    return InstallParameters(app_specific, nv_quota, v_quota, _scp_options(app_specific))


def _scp_options(app_specific: bytes) -> tuple[tuple[int, int], ...]:
    try:
        items = parse_tlvs(app_specific)
    except GPParseError:
        return ()  # an application's own parameters need not be BER-TLV
    return tuple((t.value[0], t.value[1]) for t in items if t.tag == 0x81 and len(t.value) == 2)
