"""BER-TLV (ISO/IEC 8825-1 subset used by ISO 7816-4 and GlobalPlatform).

Tags are handled as integers holding their encoded bytes (``0x9F7F``, ``0xBF3E``), which is how
the GlobalPlatform specification writes them. Parsing is strict: indefinite lengths, truncated
objects and trailing bytes raise :class:`GPParseError` with the offset of the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from provisioning.gp.errors import GPParseError

__all__ = [
    "Tlv",
    "encode_length",
    "encode_tlv",
    "find",
    "is_constructed",
    "parse_tlv",
    "parse_tlvs",
    "tag_bytes",
]

_MAX_TAG_BYTES = 4
_MAX_LENGTH_BYTES = 4
# Real GP structures nest 3-4 deep; the cap turns hostile input into a parse error, not a
# RecursionError.
_MAX_DEPTH = 32


def tag_bytes(tag: int) -> bytes:
    """The encoded form of ``tag``; raises ValueError if it is not a valid BER tag."""
    if tag <= 0:
        raise ValueError(f"invalid BER-TLV tag {tag:#x}")
    raw = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    if len(raw) > _MAX_TAG_BYTES:
        raise ValueError(f"BER-TLV tag {tag:#x} is longer than {_MAX_TAG_BYTES} bytes")
    multi = raw[0] & 0x1F == 0x1F
    if (len(raw) > 1) != multi:
        raise ValueError(f"invalid BER-TLV tag {tag:#x}: first byte disagrees with its length")
    if any(b & 0x80 == 0 for b in raw[1:-1]) or (len(raw) > 1 and raw[-1] & 0x80):
        raise ValueError(f"invalid BER-TLV tag {tag:#x}: bad continuation bits")
    return raw


def is_constructed(tag: int) -> bool:
    first = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")[0]
    return bool(first & 0x20)


def encode_length(length: int) -> bytes:
    if length < 0:
        raise ValueError("negative length")
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    if size > _MAX_LENGTH_BYTES:
        raise ValueError(f"length {length} does not fit in {_MAX_LENGTH_BYTES} bytes")
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    """One BER-TLV object with the shortest length encoding."""
    return tag_bytes(tag) + encode_length(len(value)) + bytes(value)


@dataclass(frozen=True)
class Tlv:
    """One parsed TLV; ``children`` is filled (recursively) when the tag is constructed."""

    tag: int
    value: bytes
    children: tuple[Tlv, ...] = field(default=(), compare=False, repr=False)

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    def to_bytes(self) -> bytes:
        return encode_tlv(self.tag, self.value)

    def iter(self) -> Iterator[Tlv]:
        """Depth-first walk over the descendants (not including self)."""
        for child in self.children:
            yield child
            yield from child.iter()

    def find(self, tag: int) -> Tlv | None:
        """First descendant with ``tag``, depth-first, or None."""
        return next((t for t in self.iter() if t.tag == tag), None)

    def find_all(self, tag: int) -> list[Tlv]:
        return [t for t in self.iter() if t.tag == tag]

    @classmethod
    def build(cls, tag: int, children: Iterable[Tlv]) -> Tlv:
        """A constructed TLV from already-built children."""
        kids = tuple(children)
        return cls(tag, b"".join(c.to_bytes() for c in kids), kids)


def find(tlvs: Iterable[Tlv], tag: int) -> Tlv | None:
    """First TLV with ``tag`` among ``tlvs`` or their descendants."""
    for t in tlvs:
        if t.tag == tag:
            return t
        hit = t.find(tag)
        if hit is not None:
            return hit
    return None


def parse_tlvs(data: bytes) -> list[Tlv]:
    """Parse a concatenation of BER-TLV objects covering all of ``data``."""
    return _parse(bytes(data), 0, 0)


def _err(what: str, offset: int) -> GPParseError:
    return GPParseError(f"BER-TLV: {what} at offset {offset}")


def _parse(data: bytes, base: int, depth: int) -> list[Tlv]:
    if depth > _MAX_DEPTH:
        raise _err(f"nesting deeper than {_MAX_DEPTH}", base)
    out: list[Tlv] = []
    pos = 0
    end = len(data)
    while pos < end:
        start = pos
        first = data[pos]
        # 00 is padding, never a tag. FF is not: GlobalPlatform and ETSI use private-class
        # tags such as FF21 (card resources) and FF40, so FF starts a multi-byte tag.
        if first == 0x00:
            raise _err("expected a tag, found padding byte 00", base + pos)
        pos += 1
        if first & 0x1F == 0x1F:
            while True:
                if pos >= end:
                    raise _err("truncated multi-byte tag", base + start)
                more = data[pos] & 0x80
                pos += 1
                if pos - start > _MAX_TAG_BYTES:
                    raise _err(f"tag longer than {_MAX_TAG_BYTES} bytes", base + start)
                if not more:
                    break
        tag = int.from_bytes(data[start:pos], "big")
        if pos >= end:
            raise _err(f"expected a length after tag {tag:X}", base + pos)
        lb = data[pos]
        if lb == 0x80:
            raise _err("indefinite length is not allowed", base + pos)
        if lb > 0x80:
            n = lb & 0x7F
            if n > _MAX_LENGTH_BYTES:
                raise _err(f"length field of {n} bytes is too long", base + pos)
            if pos + 1 + n > end:
                raise _err("truncated length field", base + pos)
            length = int.from_bytes(data[pos + 1 : pos + 1 + n], "big")
            pos += 1 + n
        else:
            length = lb
            pos += 1
        if pos + length > end:
            raise _err(
                f"tag {tag:X} declares {length} value bytes but only {end - pos} remain",
                base + start,
            )
        value = data[pos : pos + length]
        children = tuple(_parse(value, base + pos, depth + 1)) if first & 0x20 else ()
        out.append(Tlv(tag, value, children))
        pos += length
    return out


def parse_tlv(data: bytes) -> Tlv:
    """Parse exactly one BER-TLV object (anything after it is an error)."""
    tlvs = parse_tlvs(data)
    if len(tlvs) != 1:
        raise GPParseError(f"BER-TLV: expected exactly one object, found {len(tlvs)}")
    return tlvs[0]
