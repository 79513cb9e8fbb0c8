"""The step log: which commands travelled and what the card said, never what they carried.

Each entry keeps the command header as sent (CLA INS P1 P2, and Lc), a label, and whether the
command's data is sensitive; answers keep their status word only. GET STATUS data, key check
values and card data stay out: the log is for people diagnosing, and it is read in the portal.
"""

from typing import Any

from provisioning.engine.segments import Built

_HANDSHAKE = ("SELECT", "INITIALIZE UPDATE", "EXTERNAL AUTHENTICATE")


def _lc(apdu: bytes) -> int | None:
    if len(apdu) <= 5:
        return None
    if apdu[4] == 0 and len(apdu) > 7:
        return int.from_bytes(apdu[5:7], "big")  # extended length
    return apdu[4]


def _entry(apdu: bytes, label: str, sensitive: bool) -> dict[str, Any]:
    return {
        "header": apdu[:4].hex().upper(),
        "lc": _lc(apdu),
        "label": label,
        "sensitive": sensitive,
    }


def commands(built: list[Built]) -> list[dict[str, Any]]:
    out = []
    for segment in built:
        labelled: list[tuple[str, bool]] = []
        if segment.prepared is not None:
            labelled += [
                (f"{name} ({segment.segment.domain.upper()})", False) for name in _HANDSHAKE
            ]
        labelled += [(c.label, c.sensitive) for c in segment.commands]
        out += [
            _entry(apdu, label, sensitive)
            for apdu, (label, sensitive) in zip(segment.apdus, labelled, strict=True)
        ]
    return out


def status_words(responses: list[bytes]) -> list[str]:
    return [bytes(r[-2:]).hex().upper() for r in responses if len(r) >= 2]


def step_name(built: list[Built]) -> str:
    return "+".join(b.segment.name for b in built)[:60]
