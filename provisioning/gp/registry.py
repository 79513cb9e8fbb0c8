"""The card content registry: privileges, life cycle codings and the GET STATUS command.

Codings follow GPCS 2.3.1 Tables 11-4..11-9 (life cycles, privileges) and §11.4 (GET STATUS).
The same types serve the host (parsing answers) and the virtual card (encoding them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag, StrEnum

from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.tlv import Tlv, encode_tlv, parse_tlvs

__all__ = [
    "ISD_AID",
    "CardLifeCycle",
    "EntryKind",
    "LifeCycle",
    "Privilege",
    "RegistryEntry",
    "StatusScope",
    "get_status",
    "parse_status_response",
]

ISD_AID = bytes.fromhex("A000000151000000")


class Privilege(IntFlag):
    """The three privilege bytes as one 24-bit flag (byte 1 is the most significant)."""

    NONE = 0
    SECURITY_DOMAIN = 0x800000
    # GP writes DAP verification as C0 and delegated management as A0: they only make sense
    # together with SECURITY_DOMAIN, which callers must set too.
    DAP_VERIFICATION = 0x400000
    DELEGATED_MANAGEMENT = 0x200000
    CARD_LOCK = 0x100000
    CARD_TERMINATE = 0x080000
    CARD_RESET = 0x040000
    CVM_MANAGEMENT = 0x020000
    MANDATED_DAP_VERIFICATION = 0x010000
    TRUSTED_PATH = 0x008000
    AUTHORIZED_MANAGEMENT = 0x004000
    TOKEN_VERIFICATION = 0x002000
    GLOBAL_DELETE = 0x001000
    GLOBAL_LOCK = 0x000800
    GLOBAL_REGISTRY = 0x000400
    FINAL_APPLICATION = 0x000200
    GLOBAL_SERVICE = 0x000100
    RECEIPT_GENERATION = 0x000080
    CIPHERED_LOAD_FILE_DATA_BLOCK = 0x000040
    CONTACTLESS_ACTIVATION = 0x000020
    CONTACTLESS_SELF_ACTIVATION = 0x000010

    def to_bytes(self) -> bytes:  # type: ignore[override]
        """One byte when bytes 2 and 3 are empty (shortest form, which every card accepts)."""
        value = int(self)
        if value & 0xFFFF == 0:
            return bytes([value >> 16])
        return value.to_bytes(3, "big")

    @classmethod
    def parse(cls, raw: bytes) -> Privilege:
        if len(raw) == 1:
            return cls(raw[0] << 16)
        if len(raw) == 3:
            return cls(int.from_bytes(raw, "big"))
        raise GPParseError(f"privileges: expected 1 or 3 bytes, got {len(raw)}")


class LifeCycle(IntEnum):
    """Application and security domain life cycle states (GPCS Tables 11-4, 11-5)."""

    LOADED = 0x01  # executable load files only
    INSTALLED = 0x03
    SELECTABLE = 0x07
    PERSONALIZED = 0x0F
    # LOCKED is a bit set on top of the previous state, so that unlocking can restore it.
    LOCKED = 0x80


class CardLifeCycle(IntEnum):
    OP_READY = 0x01
    INITIALIZED = 0x07
    SECURED = 0x0F
    CARD_LOCKED = 0x7F
    TERMINATED = 0xFF


class StatusScope(IntEnum):
    """GET STATUS P1: which part of the registry to list."""

    ISD = 0x80
    APPLICATIONS = 0x40  # applications and supplementary security domains
    LOAD_FILES = 0x20
    LOAD_FILES_AND_MODULES = 0x10


class EntryKind(StrEnum):
    ISD = "isd"
    SSD = "ssd"
    APPLICATION = "application"
    LOAD_FILE = "load_file"


@dataclass(frozen=True)
class RegistryEntry:
    """One GP registry entry as GET STATUS reports it (TLV format, tag E3)."""

    aid: bytes
    kind: EntryKind
    lifecycle: int
    privileges: Privilege = Privilege.NONE
    associated_sd: bytes | None = None
    load_file: bytes | None = None
    version: bytes | None = None
    modules: tuple[bytes, ...] = ()

    @property
    def locked(self) -> bool:
        if self.kind is EntryKind.ISD:
            return self.lifecycle == CardLifeCycle.CARD_LOCKED
        return bool(self.lifecycle & LifeCycle.LOCKED)

    @property
    def state(self) -> str:
        """Readable life cycle, e.g. ``SELECTABLE`` or ``LOCKED (PERSONALIZED)``."""
        if self.kind is EntryKind.ISD:
            try:
                return CardLifeCycle(self.lifecycle).name
            except ValueError:
                return f"{self.lifecycle:02X}"
        base = self.lifecycle & 0x7F
        try:
            name = LifeCycle(base).name
        except ValueError:
            name = f"APPLICATION_SPECIFIC_{base:02X}"
        return f"LOCKED ({name})" if self.locked else name

    def to_tlv(self) -> bytes:
        """The E3 template a card returns for this entry."""
        parts = [encode_tlv(0x4F, self.aid), encode_tlv(0x9F70, bytes([self.lifecycle]))]
        if self.kind is not EntryKind.LOAD_FILE:
            parts.append(encode_tlv(0xC5, self.privileges.to_bytes()))
        if self.load_file is not None:
            parts.append(encode_tlv(0xC4, self.load_file))
        if self.version is not None:
            parts.append(encode_tlv(0xCE, self.version))
        parts.extend(encode_tlv(0x84, module) for module in self.modules)
        if self.associated_sd is not None:
            parts.append(encode_tlv(0xCC, self.associated_sd))
        return encode_tlv(0xE3, b"".join(parts))


def get_status(
    scope: StatusScope, *, aid: bytes = b"", next_occurrence: bool = False
) -> CommandAPDU:
    """GET STATUS in TLV format; an empty ``aid`` (``4F 00``) matches every entry."""
    p2 = 0x02 | (0x01 if next_occurrence else 0x00)
    return CommandAPDU(0x80, 0xF2, int(scope), p2, encode_tlv(0x4F, aid), le=256)


def _kind_for(scope: StatusScope, privileges: Privilege) -> EntryKind:
    if scope is StatusScope.ISD:
        return EntryKind.ISD
    if scope in (StatusScope.LOAD_FILES, StatusScope.LOAD_FILES_AND_MODULES):
        return EntryKind.LOAD_FILE
    return EntryKind.SSD if privileges & Privilege.SECURITY_DOMAIN else EntryKind.APPLICATION


def _entry(template: Tlv, scope: StatusScope) -> RegistryEntry:
    fields: dict[int, bytes] = {}
    modules: list[bytes] = []
    for child in template.children:
        if child.tag == 0x84:
            modules.append(child.value)
        else:
            fields.setdefault(child.tag, child.value)
    if 0x4F not in fields:
        raise GPParseError("GET STATUS: registry entry without AID (4F)")
    lifecycle = fields.get(0x9F70, b"")
    if not lifecycle:
        raise GPParseError("GET STATUS: registry entry without life cycle state (9F70)")
    privileges = Privilege.parse(fields[0xC5]) if 0xC5 in fields else Privilege.NONE
    return RegistryEntry(
        aid=fields[0x4F],
        kind=_kind_for(scope, privileges),
        # Some cards send two bytes; the second is application specific.
        lifecycle=lifecycle[0],
        privileges=privileges,
        associated_sd=fields.get(0xCC),
        load_file=fields.get(0xC4),
        version=fields.get(0xCE),
        modules=tuple(modules),
    )


def parse_status_response(data: bytes, scope: StatusScope) -> list[RegistryEntry]:
    """Entries of one GET STATUS answer (TLV format); raises GPParseError when malformed."""
    out = []
    for template in parse_tlvs(data):
        if template.tag != 0xE3:
            raise GPParseError(f"GET STATUS: expected tag E3, found {template.tag:X}")
        out.append(_entry(template, scope))
    return out
