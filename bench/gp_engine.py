"""GlobalPlatform engine throughput, on demand: ``python bench/gp_engine.py``.

A session = SELECT, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and a 20-command personalisation
script (INSTALL [for personalization], 18 STORE DATA of 200 bytes, GET STATUS) at security level
33 (C-MAC, C-DEC, R-MAC, R-ENC), AES-128, host against the card-side CardSecureChannel in process.

The baseline is measured in the same run: the AES-CMAC and AES-CBC/ECB operations one session
performs (counted, with their sizes) done directly with ``cryptography``, one fresh context per
operation as straightforward code would. A second, stricter baseline replays them on contexts
prepared in advance (the floor no engine can beat). Ratios are sessions/s over baseline
sessions/s; the engine also does APDU parsing, padding and state keeping the baselines do not.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from provisioning.gp import (
    CardSecureChannel,
    CommandAPDU,
    KeySet,
    ResponseAPDU,
    SecurityLevel,
    open_secure_channel,
    prepare_session,
)
from provisioning.gp.crypto import AesKey

SD_AID = bytes.fromhex("A0000005591010FFFFFFFF8900000100")
LEVEL = SecurityLevel(0x33)
INSTANCE = bytes.fromhex("A0000000041010AA0102030405060708")
SCRIPT = (
    [CommandAPDU(0x80, 0xE6, 0x20, 0x00, b"\x00\x00\x10" + INSTANCE + bytes(3)).to_bytes()]
    + [CommandAPDU(0x80, 0xE2, 0x00, n, os.urandom(200)).to_bytes() for n in range(18)]
    + [bytes.fromhex("80F24002024F0000")]
)
SECONDS = 2.0


class Card:
    """Just enough card: the secure channel and an applet answering 9000 (40 bytes to F2)."""

    def __init__(self, keys: KeySet) -> None:
        self.sm = CardSecureChannel(keys, scp=3, i_param=0x70, sequence_counter=0, sd_aid=SD_AID)

    def transmit(self, capdu: bytes) -> bytes:
        command = CommandAPDU.parse(capdu)
        if command.ins == 0xA4:
            self.sm.close()
            return b"\x90\x00"
        if command.ins == 0x50:
            return self.sm.initialize_update(command).to_bytes()
        if command.ins == 0x82:
            return self.sm.external_authenticate(command).to_bytes()
        plain = self.sm.unwrap_command(command)
        data = bytes(40) if plain.ins == 0xF2 else b""
        return self.sm.wrap_response(ResponseAPDU(data, 0x9000)).to_bytes()


def one_session(keys: KeySet, card: Card) -> None:
    channel = open_secure_channel(card, keys, security_level=LEVEL, aid=SD_AID)
    for command in SCRIPT:
        channel.transmit(command)


def count_operations(keys: KeySet) -> list[tuple[str, int]]:
    """The AES operations of one session (host and card), as (kind, bytes) in call order."""
    ops: list[tuple[str, int]] = []
    originals = {name: getattr(AesKey, name) for name in ("cmac", "cbc_encrypt", "cbc_decrypt")}
    originals["ecb_encrypt"] = AesKey.ecb_encrypt

    def spy(name: str, kind: str) -> Callable:
        def method(self, data, *args):
            ops.append((kind, len(data)))
            return originals[name](self, data, *args)

        return method

    AesKey.cmac = spy("cmac", "cmac")
    AesKey.cbc_encrypt = spy("cbc_encrypt", "cbc")
    AesKey.cbc_decrypt = spy("cbc_decrypt", "cbc-dec")
    AesKey.ecb_encrypt = spy("ecb_encrypt", "cbc")  # a one-block CBC with zero IV
    try:
        one_session(keys, Card(keys))
    finally:
        for name, method in originals.items():
            setattr(AesKey, name, method)
    return ops


def direct(ops: list[tuple[str, int]], key: bytes) -> Callable[[], None]:
    """The same operations with a fresh cryptography context each, as plain code does."""
    payloads = [(kind, os.urandom(size)) for kind, size in ops]
    iv = bytes(16)

    def run() -> None:
        for kind, data in payloads:
            if kind == "cmac":
                mac = CMAC(algorithms.AES(key))
                mac.update(data)
                mac.finalize()
            elif kind == "cbc":
                enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
                enc.update(data)
                enc.finalize()
            else:
                dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
                dec.update(data)
                dec.finalize()

    return run


def prepared_contexts(ops: list[tuple[str, int]], key: bytes) -> Callable[[], None]:
    """The floor: contexts created once, CMAC by copy, CBC streaming on one context."""
    payloads = [(kind, os.urandom(size)) for kind, size in ops]
    base = CMAC(algorithms.AES(key))
    cipher = Cipher(algorithms.AES(key), modes.CBC(bytes(16)))
    enc, dec = cipher.encryptor(), cipher.decryptor()

    def run() -> None:
        for kind, data in payloads:
            if kind == "cmac":
                mac = base.copy()
                mac.update(data)
                mac.finalize()
            elif kind == "cbc":
                enc.update(data)
            else:
                dec.update(data)

    return run


def rate(fn: Callable[[], None]) -> float:
    """Calls per second over about SECONDS of wall time (after a warm-up)."""
    for _ in range(20):
        fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        for _ in range(20):
            fn()
        n += 20
    return n / elapsed


def main() -> None:
    keys = KeySet(os.urandom(16), os.urandom(16), os.urandom(16), version=0x30)
    ops = count_operations(keys)
    kinds = {k: sum(1 for kind, _ in ops if kind == k) for k in ("cmac", "cbc", "cbc-dec")}
    card = Card(keys)
    engine = rate(lambda: one_session(keys, card))
    baseline = rate(direct(ops, keys.enc))
    floor = rate(prepared_contexts(ops, keys.enc))

    counter = iter(range(10**9))

    def offline() -> None:
        prepare_session(
            keys,
            scp=3,
            security_level=LEVEL,
            sequence_counter=next(counter),
            sd_aid=SD_AID,
            commands=SCRIPT,
        )

    prepared = rate(offline)
    print(f"session: handshake + {len(SCRIPT)} commands, level 33, AES-128, host + card")
    print(
        f"AES operations per session: {kinds['cmac']} CMAC, {kinds['cbc']} CBC/ECB encrypt,"
        f" {kinds['cbc-dec']} CBC decrypt ({sum(size for _, size in ops)} bytes)"
    )
    print(f"engine, host + card        : {engine:8.0f} sessions/s")
    print(
        f"direct cryptography calls  : {baseline:8.0f} sessions/s -> ratio {engine / baseline:.2f}"
    )
    print(f"pre-built contexts (floor) : {floor:8.0f} sessions/s -> ratio {engine / floor:.2f}")
    print(f"offline preparation (host) : {prepared:8.0f} sessions/s")


if __name__ == "__main__":
    main()
