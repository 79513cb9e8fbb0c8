"""Public known-answer transcripts (see /work/shared/research/globalplatform.md §2).

Every value is as published by its source; ``session_keys`` and ``host_cryptogram`` are the
values re-derived in the research notes (marked [v] there). Hex strings, uppercase.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.gp import KeySet


@dataclass(frozen=True)
class Exchange:
    """One command of a transcript; ``plain`` None means only the wire bytes are public."""

    plain: str | None
    wrapped: str
    response: str | None = None  # plain response data + SW
    wrapped_response: str | None = None  # as the card sent it: data [+ R-MAC] + SW
    plain_prefix: str = ""


@dataclass(frozen=True)
class Transcript:
    source: str
    scp: int
    keys: KeySet
    level: int
    init_update: str
    init_update_response: str  # without SW
    external_authenticate: str
    sd_aid: str | None = None  # the SD AID of a pseudo-random challenge, when known
    session_keys: tuple[str, ...] | None = None  # SCP03: S-ENC, S-MAC, S-RMAC; SCP02: + S-DEK
    host_cryptogram: str | None = None
    exchanges: tuple[Exchange, ...] = ()
    i_param: int = 0x15  # SCP02 only: the card does not announce it


def aes_keys(enc: str, mac: str, dek: str, version: int) -> KeySet:
    return KeySet(bytes.fromhex(enc), bytes.fromhex(mac), bytes.fromhex(dek), version)


PYSIM_ISD_R = "A0000005591010FFFFFFFF8900000100"
GP_ISD = "A000000151000000"
GP_TEST_KEY = "404142434445464748494A4B4C4D4E4F"
