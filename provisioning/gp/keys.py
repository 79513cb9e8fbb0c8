"""Static key sets of a security domain, their check values and card-key diversification.

A :class:`KeySet` never shows key bytes in ``repr``/``str``: it is identified by its key version
number and the KCVs of its three keys, which is how keys are named everywhere in EnStream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from provisioning.gp.crypto import AesKey, Des3Key, kcv_aes, kcv_des

__all__ = ["DIVERSIFICATIONS", "KeySet", "diversify"]

KeyKind = Literal["aes", "des"]
Diversification = Literal["emv", "visa2", "kdf3"]
DIVERSIFICATIONS: tuple[Diversification, ...] = ("emv", "visa2", "kdf3")

_AES_LENGTHS = (16, 24, 32)
_DES_LENGTHS = (16, 24)
# Key-type byte $k of GlobalPlatformPro's templates: ENC, MAC, DEK.
_KEY_TYPES = {"enc": 0x01, "mac": 0x02, "dek": 0x03}


@dataclass(frozen=True, repr=False)
class KeySet:
    """Key-ENC, Key-MAC and Key-DEK of one key version.

    ``kind`` says how the bytes are used: ``"aes"`` for SCP03 (16, 24 or 32 bytes) and ``"des"``
    for SCP02 (16- or 24-byte 3DES). The three keys must have the same length.
    """

    enc: bytes
    mac: bytes
    dek: bytes
    version: int = 0x30
    kind: KeyKind = "aes"
    _cache: dict[str, object] = field(default_factory=dict, compare=False, init=False)

    def __post_init__(self) -> None:
        for name in ("enc", "mac", "dek"):
            object.__setattr__(self, name, bytes(getattr(self, name)))
        if not 0 <= self.version <= 0xFF:
            raise ValueError(f"key version must be a byte, got {self.version!r}")
        allowed = {"aes": _AES_LENGTHS, "des": _DES_LENGTHS}.get(self.kind)
        if allowed is None:
            raise ValueError(f"key kind must be 'aes' or 'des', got {self.kind!r}")
        lengths = {len(self.enc), len(self.mac), len(self.dek)}
        if len(lengths) != 1 or lengths.pop() not in allowed:
            raise ValueError(
                f"{self.kind.upper()} key sets need three keys of the same length in {allowed}"
            )

    @classmethod
    def single(cls, key: bytes, *, version: int = 0x30, kind: KeyKind = "aes") -> KeySet:
        """The same key for ENC, MAC and DEK (test cards, GP default keys)."""
        return cls(key, key, key, version, kind)

    @property
    def key_length(self) -> int:
        return len(self.enc)

    @cached_property
    def kcvs(self) -> dict[str, bytes]:
        """KCV of each key: GP/GSMA method (AES: 16 x 01; DES: 8 x 00), 3 bytes."""
        check = kcv_aes if self.kind == "aes" else kcv_des
        return {"enc": check(self.enc), "mac": check(self.mac), "dek": check(self.dek)}

    def aes(self, name: str) -> AesKey:
        """Prepared contexts for a static key, built once per key set.

        Callers use only the stateless operations on them (CMAC, ECB), so a key set can be
        shared between threads; CBC needs a key object of its own.
        """
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = AesKey(getattr(self, name))
        return cached  # type: ignore[return-value]

    def des(self, name: str) -> Des3Key:
        """As :meth:`aes`, for 3DES key sets (ECB only)."""
        cached = self._cache.get(f"des-{name}")
        if cached is None:
            cached = self._cache[f"des-{name}"] = Des3Key(getattr(self, name))
        return cached  # type: ignore[return-value]

    def __repr__(self) -> str:
        kcvs = " ".join(f"{k.upper()}={v.hex().upper()}" for k, v in self.kcvs.items())
        return (
            f"KeySet(version=0x{self.version:02X}, {self.kind.upper()}-{self.key_length * 8},"
            f" KCV {kcvs})"
        )

    __str__ = __repr__

    def __reduce__(self) -> object:
        # Pickling would put key bytes on a queue or in a cache; key sets travel only wrapped.
        raise TypeError("KeySet cannot be pickled: store keys wrapped, pass references")


def _emv_block(kdd: bytes, key_type: int) -> bytes:
    # EMV CPS: KDD bytes 4..9 (the chip serial part) twice, tagged F0/0F with the key type.
    part = kdd[4:10]
    return part + bytes((0xF0, key_type)) + part + bytes((0x0F, key_type))


def _visa2_block(kdd: bytes, key_type: int) -> bytes:
    part = kdd[0:2] + kdd[4:8]
    return part + bytes((0xF0, key_type)) + part + bytes((0x0F, key_type))


def _kdf3(master: AesKey, kdd: bytes, key_type: int, length: int) -> bytes:
    # NIST SP 800-108 counter mode with AES-CMAC, counter first, then 00 00 00 k 00 KDD.
    suffix = bytes((0, 0, 0, key_type, 0)) + kdd
    out = b""
    counter = 1
    while len(out) < length:
        out += master.cmac(bytes((counter,)) + suffix)
        counter += 1
    return out[:length]


def diversify(master: KeySet, kdd: bytes, method: Diversification) -> KeySet:
    """Card keys from master keys and the card's key diversification data (INIT UPDATE bytes 0-9).

    ``emv`` and ``visa2`` (3DES-ECB of a KDD-derived block) apply to 3DES key sets, ``kdf3``
    (SCP03 KDF with AES-CMAC) to AES key sets; names follow GlobalPlatformPro's templates.
    """
    if len(kdd) != 10:
        raise ValueError(f"key diversification data is 10 bytes, got {len(kdd)}")
    derived = {}
    for name, key_type in _KEY_TYPES.items():
        if method == "kdf3":
            if master.kind != "aes":
                raise ValueError("kdf3 diversification needs an AES master key set")
            derived[name] = _kdf3(master.aes(name), kdd, key_type, master.key_length)
            continue
        if master.kind != "des":
            raise ValueError(f"{method} diversification needs a 3DES master key set")
        if method == "emv":
            block = _emv_block(kdd, key_type)
        elif method == "visa2":
            block = _visa2_block(kdd, key_type)
        else:
            raise ValueError(f"unknown diversification {method!r}")
        derived[name] = master.des(name).ecb_encrypt(block)
    return KeySet(derived["enc"], derived["mac"], derived["dek"], master.version, master.kind)
