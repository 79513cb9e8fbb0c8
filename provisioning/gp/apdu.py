"""ISO/IEC 7816-4 command and response APDUs, and a T=0-style transport wrapper.

``le`` is the number of response bytes expected: ``None`` means no Le field, 256 is the short
encoding ``00`` and 65536 the extended encoding ``0000``. ``le=0`` is accepted as the usual
shorthand for "Le byte 00" and normalised to 256.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from provisioning.gp.errors import GPError, GPParseError

__all__ = ["CommandAPDU", "ResponseAPDU", "T0Transport", "Transport"]

_SHORT_LC_MAX = 255
_SHORT_LE_MAX = 256
_EXT_LC_MAX = 65535
_EXT_LE_MAX = 65536
# A well-behaved card needs ~256 GET RESPONSEs for 64 KiB; beyond that the card is looping.
_MAX_CHAINED_RESPONSES = 300


@runtime_checkable
class Transport(Protocol):
    """Anything that sends a command APDU and returns response data followed by SW1 SW2."""

    def transmit(self, capdu: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class CommandAPDU:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        if not (
            0 <= self.cla <= 0xFF
            and 0 <= self.ins <= 0xFF
            and 0 <= self.p1 <= 0xFF
            and 0 <= self.p2 <= 0xFF
        ):
            name = next(n for n in ("cla", "ins", "p1", "p2") if not 0 <= getattr(self, n) <= 0xFF)
            raise ValueError(f"{name} must be a byte, got {getattr(self, name)!r}")
        if type(self.data) is not bytes:
            object.__setattr__(self, "data", bytes(self.data))
        if len(self.data) > _EXT_LC_MAX:
            raise ValueError(f"command data of {len(self.data)} bytes exceeds {_EXT_LC_MAX}")
        if self.le is not None:
            if self.le == 0:
                object.__setattr__(self, "le", _SHORT_LE_MAX)
            elif not 0 < self.le <= _EXT_LE_MAX:
                raise ValueError(f"le must be in 0..{_EXT_LE_MAX} or None, got {self.le!r}")

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    @property
    def case(self) -> int:
        """ISO 7816-3 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le)."""
        return (3 if self.data else 1) + (1 if self.le is not None else 0)

    @property
    def needs_extended(self) -> bool:
        return len(self.data) > _SHORT_LC_MAX or (self.le or 0) > _SHORT_LE_MAX

    def with_(self, **changes: object) -> CommandAPDU:
        """A copy with some fields replaced (the dataclass is frozen)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_bytes(self, *, extended: bool | None = None) -> bytes:
        """Encode; short unless the sizes need extended length or ``extended=True``."""
        ext = self.needs_extended if extended is None else extended
        if not ext and self.needs_extended:
            raise ValueError("this command does not fit a short APDU")
        out = bytearray(self.header)
        if ext:
            if self.data or self.le is not None:
                out.append(0)
            if self.data:
                out += len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                out += (self.le % _EXT_LE_MAX).to_bytes(2, "big")
        else:
            if self.data:
                out.append(len(self.data))
                out += self.data
            if self.le is not None:
                out.append(self.le % _SHORT_LE_MAX)
        return bytes(out)

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @classmethod
    def parse(cls, raw: bytes) -> CommandAPDU:
        """Decode any of the seven ISO 7816-3 cases (1, 2S/3S/4S, 2E/3E/4E); strict."""
        raw = bytes(raw)
        n = len(raw)
        if n < 4:
            raise GPParseError(f"command APDU: expected at least a 4-byte header, got {n} bytes")
        cla, ins, p1, p2 = raw[:4]
        if n == 4:
            return cls(cla, ins, p1, p2)
        if n == 5:
            return cls(cla, ins, p1, p2, le=raw[4] or _SHORT_LE_MAX)
        if raw[4] != 0:
            lc = raw[4]
            if n == 5 + lc:
                return cls(cla, ins, p1, p2, raw[5:])
            if n == 6 + lc:
                return cls(cla, ins, p1, p2, raw[5:-1], raw[-1] or _SHORT_LE_MAX)
            raise GPParseError(
                f"command APDU: Lc {lc} at offset 4 disagrees with total length {n}"
                f" (expected {5 + lc} or {6 + lc})"
            )
        if n == 6:
            raise GPParseError("command APDU: 6 bytes with a 00 byte at offset 4 is no valid case")
        if n == 7:
            return cls(cla, ins, p1, p2, le=int.from_bytes(raw[5:7], "big") or _EXT_LE_MAX)
        lc = int.from_bytes(raw[5:7], "big")
        if lc == 0:
            raise GPParseError("command APDU: extended Lc of 0 at offset 5")
        if n == 7 + lc:
            return cls(cla, ins, p1, p2, raw[7:])
        if n == 9 + lc:
            le = int.from_bytes(raw[-2:], "big") or _EXT_LE_MAX
            return cls(cla, ins, p1, p2, raw[7:-2], le)
        raise GPParseError(
            f"command APDU: extended Lc {lc} at offset 5 disagrees with total length {n}"
            f" (expected {7 + lc} or {9 + lc})"
        )


@dataclass(frozen=True, slots=True)
class ResponseAPDU:
    data: bytes
    sw: int

    def __post_init__(self) -> None:
        if type(self.data) is not bytes:
            object.__setattr__(self, "data", bytes(self.data))
        if not 0 <= self.sw <= 0xFFFF:
            raise ValueError(f"sw must fit two bytes, got {self.sw!r}")

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == 0x9000

    def raise_for_status(self, *also_ok: int) -> ResponseAPDU:
        """Return self when SW is 9000 (or one of ``also_ok``), else raise GPError(sw)."""
        if self.sw != 0x9000 and self.sw not in also_ok:
            raise GPError("card refused the command", sw=self.sw)
        return self

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @classmethod
    def parse(cls, raw: bytes) -> ResponseAPDU:
        raw = bytes(raw)
        if len(raw) < 2:
            raise GPParseError(f"response APDU: expected at least SW1 SW2, got {len(raw)} bytes")
        return cls(raw[:-2], int.from_bytes(raw[-2:], "big"))


def _get_response_cla(cla: int) -> int:
    # GET RESPONSE must travel on the same logical channel as the command it continues.
    if cla & 0x40:
        return 0x40 | (cla & 0x0F)
    return cla & 0x03


class T0Transport:
    """Wraps a transport so callers never see 61xx or 6Cxx.

    61xx: GET RESPONSE is sent until the card stops asking, and the data is concatenated.
    6Cxx: the same command is sent again with the Le the card named.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def transmit(self, capdu: bytes) -> bytes:
        raw = self._transport.transmit(capdu)
        if len(raw) < 2:
            raise GPParseError(f"response APDU: expected at least SW1 SW2, got {len(raw)} bytes")
        if raw[-2] == 0x6C:
            corrected = CommandAPDU.parse(capdu).with_(le=raw[-1] or _SHORT_LE_MAX)
            raw = self._transport.transmit(corrected.to_bytes())
        if len(raw) < 2 or raw[-2] != 0x61:
            return ResponseAPDU.parse(raw).to_bytes()
        data = bytearray(raw[:-2])
        get_response_cla = _get_response_cla(capdu[0])
        for _ in range(_MAX_CHAINED_RESPONSES):
            get = CommandAPDU(get_response_cla, 0xC0, 0, 0, le=raw[-1] or _SHORT_LE_MAX)
            raw = self._transport.transmit(get.to_bytes())
            if len(raw) < 2:
                raise GPParseError("response APDU to GET RESPONSE lacks SW1 SW2")
            data += raw[:-2]
            if raw[-2] != 0x61:
                return bytes(data) + raw[-2:]
        raise GPError(f"card still answers 61xx after {_MAX_CHAINED_RESPONSES} GET RESPONSEs")
