"""Host-side builders for SELECT, DELETE, SET STATUS and STORE DATA, and the DGI codec.

INSTALL / LOAD live in :mod:`provisioning.gp.install`, GET STATUS in
:mod:`provisioning.gp.registry`, GET DATA in :mod:`provisioning.gp.carddata`, PUT KEY in
:mod:`provisioning.gp.keyload`. Every builder returns a plain :class:`CommandAPDU`; secure
messaging is added by the channel that transmits it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.install import DEFAULT_BLOCK_SIZE
from provisioning.gp.tlv import encode_tlv

__all__ = [
    "STORE_BER_TLV",
    "STORE_DGI",
    "STORE_ENCRYPTED",
    "STORE_LAST_BLOCK",
    "Dgi",
    "SetStatusScope",
    "delete",
    "delete_key",
    "encode_dgi",
    "lock",
    "parse_dgis",
    "select",
    "set_status",
    "split_dgis",
    "store_data_blocks",
    "store_data_dgis",
    "unlock",
]

# STORE DATA P1 bits (GPCS Table 11-80).
STORE_LAST_BLOCK = 0x80
STORE_ENCRYPTED = 0x60
STORE_BER_TLV = 0x10
STORE_DGI = 0x08

# A DGI length of 255 or more is written FF followed by two bytes (EMV CPS §B.2).
_DGI_LONG = 0xFF


def select(aid: bytes = b"") -> CommandAPDU:
    """SELECT by name; an empty AID selects the issuer security domain."""
    return CommandAPDU(0x00, 0xA4, 0x04, 0x00, aid, le=256)


def delete(aid: bytes, *, related: bool = False) -> CommandAPDU:
    """DELETE an application, SSD or load file; ``related`` also deletes what depends on it."""
    return CommandAPDU(0x80, 0xE4, 0x00, 0x80 if related else 0x00, encode_tlv(0x4F, aid), le=256)


def delete_key(*, version: int | None = None, key_id: int | None = None) -> CommandAPDU:
    """DELETE keys of the current security domain by version (D2), identifier (D0) or both."""
    data = b""
    if key_id is not None:
        data += encode_tlv(0xD0, bytes([key_id]))
    if version is not None:
        data += encode_tlv(0xD2, bytes([version]))
    if not data:
        raise ValueError("DELETE key needs a key version, a key identifier or both")
    return CommandAPDU(0x80, 0xE4, 0x00, 0x00, data, le=256)


class SetStatusScope(IntEnum):
    CARD = 0x80
    APPLICATION = 0x40  # one application or security domain
    DOMAIN_AND_APPLICATIONS = 0x60  # a security domain and every application associated with it


def set_status(scope: SetStatusScope, state: int, aid: bytes = b"") -> CommandAPDU:
    return CommandAPDU(0x80, 0xF0, int(scope), state, aid)


def lock(aid: bytes, *, with_applications: bool = False) -> CommandAPDU:
    """Lock (suspend) an application or SSD; with_applications also locks the SSD's applets."""
    scope = (
        SetStatusScope.DOMAIN_AND_APPLICATIONS if with_applications else SetStatusScope.APPLICATION
    )
    return set_status(scope, 0x80, aid)


def unlock(aid: bytes, *, with_applications: bool = False) -> CommandAPDU:
    """Unlock: the card restores the state the entry had before it was locked."""
    scope = (
        SetStatusScope.DOMAIN_AND_APPLICATIONS if with_applications else SetStatusScope.APPLICATION
    )
    return set_status(scope, 0x00, aid)


@dataclass(frozen=True)
class Dgi:
    """One data grouping: a two-byte identifier and its value.

    ``sensitive`` values travel encrypted under the session's data encryption key and never show
    in repr.
    """

    tag: int
    value: bytes = field(repr=False)
    sensitive: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.tag <= 0xFFFF:
            raise ValueError(f"a DGI identifier is two bytes, got {self.tag:#x}")


def encode_dgi(tag: int, value: bytes) -> bytes:
    if len(value) > 0xFFFF:
        raise ValueError("a DGI value cannot exceed 65535 bytes")
    if len(value) < _DGI_LONG:
        length = bytes([len(value)])
    else:
        length = bytes([_DGI_LONG]) + len(value).to_bytes(2, "big")
    return tag.to_bytes(2, "big") + length + bytes(value)


def split_dgis(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete DGIs at the start of ``data`` and the incomplete rest (a DGI split over blocks)."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 3:
            break
        tag = int.from_bytes(data[pos : pos + 2], "big")
        length, header = data[pos + 2], 3
        if length == _DGI_LONG:
            if len(data) - pos < 5:
                break
            length, header = int.from_bytes(data[pos + 3 : pos + 5], "big"), 5
        if pos + header + length > len(data):
            break
        out.append((tag, data[pos + header : pos + header + length]))
        pos += header + length
    return out, data[pos:]


def parse_dgis(data: bytes) -> list[tuple[int, bytes]]:
    """Strict: ``data`` must hold whole DGIs only."""
    dgis, rest = split_dgis(data)
    if rest:
        raise GPParseError(f"DGI: {len(rest)} trailing bytes do not form a complete DGI")
    return dgis


def _store(p1: int, block: int, data: bytes) -> CommandAPDU:
    if block > 0xFF:
        raise ValueError("STORE DATA needs more than 256 blocks")
    return CommandAPDU(0x80, 0xE2, p1, block, data)


def store_data_dgis(
    dgis: Sequence[Dgi],
    *,
    encrypt: Callable[[bytes], bytes] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> list[CommandAPDU]:
    """STORE DATA commands carrying ``dgis`` in DGI format.

    Plain DGIs are packed together and may span blocks. Each sensitive DGI travels alone in a
    block flagged "encrypted", its value replaced by ``encrypt(value)``, so the card knows exactly
    which bytes to decrypt.
    """
    payloads: list[tuple[bytes, bool]] = []
    pending = b""
    for dgi in dgis:
        if dgi.sensitive:
            if encrypt is None:
                raise ValueError(f"DGI {dgi.tag:04X} is sensitive but no encrypt function given")
            sealed = encode_dgi(dgi.tag, encrypt(dgi.value))
            if len(sealed) > block_size:
                raise ValueError(f"encrypted DGI {dgi.tag:04X} does not fit one block")
            if pending:
                payloads.append((pending, False))
                pending = b""
            payloads.append((sealed, True))
            continue
        encoded = encode_dgi(dgi.tag, dgi.value)
        # Start a new block rather than split a DGI that would fit whole in one.
        if pending and len(pending) + len(encoded) > block_size:
            payloads.append((pending, False))
            pending = b""
        pending += encoded
        while len(pending) > block_size:
            payloads.append((pending[:block_size], False))
            pending = pending[block_size:]
    if pending or not payloads:
        payloads.append((pending, False))
    last = len(payloads) - 1
    return [
        _store(
            STORE_DGI
            | (STORE_ENCRYPTED if encrypted else 0)
            | (STORE_LAST_BLOCK if n == last else 0),
            n,
            payload,
        )
        for n, (payload, encrypted) in enumerate(payloads)
    ]


def store_data_blocks(
    data: bytes, *, structure: int = STORE_BER_TLV, block_size: int = DEFAULT_BLOCK_SIZE
) -> list[CommandAPDU]:
    """STORE DATA commands for an unencrypted byte stream (BER-TLV objects by default)."""
    chunks = [data[i : i + block_size] for i in range(0, len(data), block_size)] or [b""]
    last = len(chunks) - 1
    return [
        _store(structure | (STORE_LAST_BLOCK if n == last else 0), n, chunk)
        for n, chunk in enumerate(chunks)
    ]
