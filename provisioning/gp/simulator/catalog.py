"""What an NFC SIM ships with, and the small CAP file codec the virtual card loads with.

The payment load files are pre-loaded by the SIM vendor, as on real NFC SIMs: provisioning only
installs instances. AIDs use each scheme's registered RID (Visa A000000003, Mastercard
A000000004, Interac A000000277) and the usual application AIDs; package and module AIDs are
simulated, and so are the code and instance sizes.

Instance AIDs must be unique on a card. When two issuers of one scheme share a SIM, the second
instance needs a longer AID (the scheme AID plus a suffix, e.g. A0000000031010 01), and the PPSE
lists both.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.gp.errors import GPParseError

__all__ = [
    "INTERAC",
    "MASTERCARD",
    "PAYMENT_PRODUCTS",
    "PPSE",
    "VISA",
    "PreloadedProduct",
    "build_cap",
    "parse_cap",
]

_CAP_MAGIC = bytes.fromhex("DECAFFED")
_HEADER, _APPLET, _METHOD = 0x01, 0x03, 0x07


@dataclass(frozen=True)
class PreloadedProduct:
    """A pre-loaded executable load file with one module and what an instance of it costs."""

    name: str
    load_file: bytes
    module: bytes
    default_instance: bytes
    code_size: int
    instance_nv: int
    instance_volatile: int
    label: str


VISA = PreloadedProduct(
    name="visa",
    load_file=bytes.fromhex("A0000000031000"),
    module=bytes.fromhex("A000000003100001"),
    default_instance=bytes.fromhex("A0000000031010"),
    code_size=38_912,
    instance_nv=3_072,
    instance_volatile=512,
    label="VISA",
)
MASTERCARD = PreloadedProduct(
    name="mastercard",
    load_file=bytes.fromhex("A0000000041000"),
    module=bytes.fromhex("A000000004100001"),
    default_instance=bytes.fromhex("A0000000041010"),
    code_size=43_008,
    instance_nv=3_584,
    instance_volatile=512,
    label="MASTERCARD",
)
INTERAC = PreloadedProduct(
    name="interac",
    load_file=bytes.fromhex("A0000002771000"),
    module=bytes.fromhex("A000000277100001"),
    default_instance=bytes.fromhex("A0000002771010"),
    code_size=24_576,
    instance_nv=2_048,
    instance_volatile=384,
    label="Interac",
)
# The proximity payment system environment ("2PAY.SYS.DDF01") that POS terminals select first.
PPSE = PreloadedProduct(
    name="ppse",
    load_file=bytes.fromhex("A000000151505345"),
    module=bytes.fromhex("A00000015150534501"),
    default_instance=bytes.fromhex("325041592E5359532E4444463031"),
    code_size=6_144,
    instance_nv=1_024,
    instance_volatile=128,
    label="PPSE",
)
PAYMENT_PRODUCTS = (VISA, MASTERCARD, INTERAC, PPSE)


def _component(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + len(body).to_bytes(2, "big") + body


def build_cap(package: bytes, applets: list[bytes], *, code_size: int = 0) -> bytes:
    """A minimal Java Card load file: header, applet and a method component of filler.

    ``code_size`` pads the method component so that the file occupies about that many bytes, to
    exercise memory quotas and LOAD block splitting with realistic sizes.
    """
    header = _CAP_MAGIC + bytes([0x01, 0x02, 0x00, 0x00, 0x01, len(package)]) + package
    applet = bytes([len(applets)]) + b"".join(
        bytes([len(aid)]) + aid + b"\x00\x00" for aid in applets
    )
    body = _component(_HEADER, header) + _component(_APPLET, applet)
    filler = max(0, code_size - len(body) - 3)
    return body + _component(_METHOD, bytes(filler))


def parse_cap(data: bytes) -> tuple[bytes, list[bytes]]:
    """Package AID and applet AIDs of a load file made of CAP components (e.g. helloworld.cap)."""
    package: bytes | None = None
    applets: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 3 > len(data):
            raise GPParseError("CAP: truncated component header")
        tag, size = data[pos], int.from_bytes(data[pos + 1 : pos + 3], "big")
        body = data[pos + 3 : pos + 3 + size]
        if len(body) != size:
            raise GPParseError(f"CAP: component {tag} is truncated")
        if tag == _HEADER:
            if len(body) < 10 or body[:4] != _CAP_MAGIC or len(body) < 10 + body[9]:
                raise GPParseError("CAP: malformed header component")
            package = body[10 : 10 + body[9]]
        elif tag == _APPLET:
            applets = _applet_aids(body)
        pos += 3 + size
    if package is None:
        raise GPParseError("CAP: no header component")
    return package, applets


def _applet_aids(body: bytes) -> list[bytes]:
    if not body:
        raise GPParseError("CAP: empty applet component")
    out, pos = [], 1
    for _ in range(body[0]):
        if pos >= len(body):
            raise GPParseError("CAP: truncated applet component")
        length = body[pos]
        aid = body[pos + 1 : pos + 1 + length]
        if len(aid) != length or not 5 <= length <= 16:
            raise GPParseError("CAP: malformed applet AID")
        out.append(aid)
        pos += 1 + length + 2
    return out
