"""GET DATA: the command and the data objects an SP TSM reads before it provisions.

CPLC (9F7F), card recognition data (66), key information template (E0), card capabilities
(67), extended card resources (FF21, ETSI TS 102 226) and the SCP sequence counter (C1). Each
object parses the full answer (tag included) and encodes itself, so the virtual card answers with
exactly what the host parses.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from provisioning.gp.apdu import CommandAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.registry import Privilege
from provisioning.gp.tlv import Tlv, encode_tlv, parse_tlv, parse_tlvs

__all__ = [
    "TAG_CARD_CAPABILITIES",
    "TAG_CARD_DATA",
    "TAG_CARD_RESOURCES",
    "TAG_CIN",
    "TAG_CPLC",
    "TAG_IIN",
    "TAG_KEY_INFORMATION",
    "TAG_SEQUENCE_COUNTER",
    "CardCapabilities",
    "CardRecognitionData",
    "CardResources",
    "Cplc",
    "KeyInfo",
    "KeyInformation",
    "get_data",
    "parse_sequence_counter",
]

TAG_IIN = 0x42
TAG_CIN = 0x45
TAG_CARD_DATA = 0x66
TAG_CARD_CAPABILITIES = 0x67
TAG_SEQUENCE_COUNTER = 0xC1
TAG_KEY_INFORMATION = 0xE0
TAG_CPLC = 0x9F7F
TAG_CARD_RESOURCES = 0xFF21

# 1.2.840.114283: the GlobalPlatform OID arc, DER-encoded.
_GP_OID = bytes.fromhex("2A864886FC6B")
_OID_RECOGNITION = 1
_OID_CARD_MANAGEMENT = 2
_OID_IDENTIFICATION = 3
_OID_SCP = 4


def get_data(tag: int, *, cla: int = 0x80) -> CommandAPDU:
    """GET DATA for a one- or two-byte tag (``cla=0x00`` for the ISO form)."""
    if not 0 < tag <= 0xFFFF:
        raise ValueError(f"GET DATA tag must fit two bytes, got {tag:#x}")
    return CommandAPDU(cla, 0xCA, tag >> 8, tag & 0xFF, le=256)


def _unwrap(data: bytes, tag: int) -> Tlv:
    tlv = parse_tlv(data)
    if tlv.tag != tag:
        raise GPParseError(f"GET DATA: expected tag {tag:X}, found {tlv.tag:X}")
    return tlv


def _uint(raw: bytes, what: str) -> int:
    if not 0 < len(raw) <= 4:
        raise GPParseError(f"{what}: expected 1 to 4 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def _uint_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


@dataclass(frozen=True)
class Cplc:
    """Card Production Life Cycle data (42 bytes, the layout every GP card uses).

    Dates are YDDD in BCD as on the card; they stay raw bytes because manufacturers fill some of
    them with zeros or vendor codes.
    """

    ic_fabricator: bytes
    ic_type: bytes
    os_id: bytes
    os_release_date: bytes
    os_release_level: bytes
    ic_fabrication_date: bytes
    ic_serial_number: bytes
    ic_batch_identifier: bytes
    module_fabricator: bytes
    module_packaging_date: bytes
    icc_manufacturer: bytes
    ic_embedding_date: bytes
    ic_pre_personalizer: bytes
    ic_pre_perso_equipment_date: bytes
    ic_pre_perso_equipment_id: bytes
    ic_personalizer: bytes
    ic_personalization_date: bytes
    ic_perso_equipment_id: bytes

    _SIZES = (2, 2, 2, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2, 2, 4, 2, 2, 4)

    def __post_init__(self) -> None:
        for f, size in zip(fields(self), self._SIZES, strict=True):
            if len(getattr(self, f.name)) != size:
                raise ValueError(f"CPLC {f.name} must be {size} bytes")

    @classmethod
    def parse(cls, data: bytes) -> Cplc:
        """Parse ``9F7F 2A ...``; some cards append vendor bytes after the 42, ignored."""
        raw = _unwrap(data, TAG_CPLC).value
        if len(raw) < sum(cls._SIZES):
            raise GPParseError(f"CPLC: expected at least 42 bytes, got {len(raw)}")
        values, pos = [], 0
        for size in cls._SIZES:
            values.append(raw[pos : pos + size])
            pos += size
        return cls(*values)

    def to_bytes(self) -> bytes:
        return encode_tlv(TAG_CPLC, b"".join(getattr(self, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name).hex().upper() for f in fields(self)}


def _oid(arc: int, *components: int) -> bytes:
    out = bytearray(_GP_OID + bytes([arc]))
    for c in components:
        chunk = [c & 0x7F]
        c >>= 7
        while c:
            chunk.append(0x80 | (c & 0x7F))
            c >>= 7
        out += bytes(reversed(chunk))
    return encode_tlv(0x06, bytes(out))


def _oid_components(tlv: Tlv | None, arc: int) -> tuple[int, ...]:
    """Sub-identifiers after the GP arc ``arc``; () when the OID is absent or foreign."""
    oid = tlv.find(0x06) if tlv is not None else None
    if oid is None or not oid.value.startswith(_GP_OID + bytes([arc])):
        return ()
    out, acc = [], 0
    for b in oid.value[len(_GP_OID) + 1 :]:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            out.append(acc)
            acc = 0
    return tuple(out)


@dataclass(frozen=True)
class CardRecognitionData:
    """Card data (tag 66 holding 73): GP version, secure channel protocol and options.

    ``contactless`` travels in the card configuration details (tag 65) as ``80 01 xx``: an
    EnStream convention of the virtual card (real cards leave 65 to the issuer), None if absent.
    """

    gp_version: str
    scp: int
    i_param: int
    contactless: bool | None = None

    @classmethod
    def parse(cls, data: bytes) -> CardRecognitionData:
        recognition = _unwrap(data, TAG_CARD_DATA).find(0x73)
        if recognition is None:
            raise GPParseError("card data: no card recognition data (73)")
        by_tag = {c.tag: c for c in recognition.children}
        version = _oid_components(by_tag.get(0x60), _OID_CARD_MANAGEMENT)
        scp = _oid_components(by_tag.get(0x64), _OID_SCP)
        if len(scp) != 2:
            raise GPParseError("card data: no secure channel protocol OID (64)")
        contactless = None
        config = by_tag.get(0x65)
        flag = config.find(0x80) if config is not None else None
        if flag is not None and len(flag.value) == 1:
            contactless = bool(flag.value[0] & 0x01)
        # 1.2.840.114283.2.2.3.1 is GP 2.3.1: the version follows the card management arc.
        return cls(".".join(str(v) for v in version), scp[0], scp[1], contactless)

    def to_bytes(self) -> bytes:
        version = [int(v) for v in self.gp_version.split(".")]
        body = [
            _oid(_OID_RECOGNITION),
            encode_tlv(0x60, _oid(_OID_CARD_MANAGEMENT, *version)),
            encode_tlv(0x63, _oid(_OID_IDENTIFICATION)),
            encode_tlv(0x64, _oid(_OID_SCP, self.scp, self.i_param)),
        ]
        if self.contactless is not None:
            body.append(encode_tlv(0x65, encode_tlv(0x80, bytes([int(self.contactless)]))))
        return encode_tlv(TAG_CARD_DATA, encode_tlv(0x73, b"".join(body)))


@dataclass(frozen=True)
class KeyInfo:
    key_id: int
    version: int
    key_type: int  # 0x80 DES, 0x88 AES
    length: int


@dataclass(frozen=True)
class KeyInformation:
    """Key information template (E0): one C0 entry per key, basic format (GPCS 11.3.3.1)."""

    keys: tuple[KeyInfo, ...]

    @classmethod
    def parse(cls, data: bytes) -> KeyInformation:
        out = []
        for entry in _unwrap(data, TAG_KEY_INFORMATION).children:
            if entry.tag != 0xC0 or len(entry.value) < 4:
                raise GPParseError("key information: expected C0 entries of at least 4 bytes")
            key_id, version, key_type, length = entry.value[:4]
            out.append(KeyInfo(key_id, version, key_type, length))
        return cls(tuple(out))

    def to_bytes(self) -> bytes:
        body = b"".join(
            encode_tlv(0xC0, bytes([k.key_id, k.version, k.key_type, k.length])) for k in self.keys
        )
        return encode_tlv(TAG_KEY_INFORMATION, body)

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted({k.version for k in self.keys}))


@dataclass(frozen=True)
class CardCapabilities:
    """Card capability information (67): SCP options per protocol and privileges supported."""

    scp_options: tuple[tuple[int, tuple[int, ...]], ...]
    ssd_privileges: Privilege
    application_privileges: Privilege
    hash_algorithms: bytes = b""

    @classmethod
    def parse(cls, data: bytes) -> CardCapabilities:
        root = _unwrap(data, TAG_CARD_CAPABILITIES)
        options, ssd, app, hashes = [], Privilege.NONE, Privilege.NONE, b""
        for child in root.children:
            if child.tag == 0xA0:
                inner = {c.tag: c.value for c in child.children}
                if len(inner.get(0x80, b"")) != 1:
                    raise GPParseError("card capabilities: SCP entry without its number (80)")
                options.append((inner[0x80][0], tuple(inner.get(0x81, b""))))
            elif child.tag == 0x81:
                ssd = Privilege.parse(child.value)
            elif child.tag == 0x82:
                app = Privilege.parse(child.value)
            elif child.tag == 0x83:
                hashes = child.value
        return cls(tuple(options), ssd, app, hashes)

    def to_bytes(self) -> bytes:
        body = [
            encode_tlv(0xA0, encode_tlv(0x80, bytes([scp])) + encode_tlv(0x81, bytes(i_values)))
            for scp, i_values in self.scp_options
        ]
        body.append(encode_tlv(0x81, int(self.ssd_privileges).to_bytes(3, "big")))
        body.append(encode_tlv(0x82, int(self.application_privileges).to_bytes(3, "big")))
        if self.hash_algorithms:
            body.append(encode_tlv(0x83, self.hash_algorithms))
        return encode_tlv(TAG_CARD_CAPABILITIES, b"".join(body))


@dataclass(frozen=True)
class CardResources:
    """Extended card resources (FF21): what eligibility checks read before selling space."""

    installed_applications: int
    free_nv: int
    free_volatile: int

    @classmethod
    def parse(cls, data: bytes) -> CardResources:
        by_tag = {c.tag: c.value for c in parse_tlvs(_unwrap(data, TAG_CARD_RESOURCES).value)}
        try:
            return cls(
                _uint(by_tag[0x81], "installed applications"),
                _uint(by_tag[0x82], "free non-volatile memory"),
                _uint(by_tag[0x83], "free volatile memory"),
            )
        except KeyError as missing:
            raise GPParseError(f"card resources: tag {missing} is missing") from None

    def to_bytes(self) -> bytes:
        body = (
            encode_tlv(0x81, _uint_bytes(self.installed_applications))
            + encode_tlv(0x82, _uint_bytes(self.free_nv))
            + encode_tlv(0x83, _uint_bytes(self.free_volatile))
        )
        return encode_tlv(TAG_CARD_RESOURCES, body)


def parse_sequence_counter(data: bytes) -> int:
    """``C1 03 xxxxxx`` (SCP03) or ``C1 02 xxxx`` (SCP02) as an integer."""
    return _uint(_unwrap(data, TAG_SEQUENCE_COUNTER).value, "sequence counter")
