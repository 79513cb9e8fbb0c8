"""Block-cipher primitives for SCP02/SCP03, on the ``cryptography`` package only.

Performance: creating a ``cryptography`` cipher context costs several times more than encrypting
one short APDU with it, and a secure session does a few cipher operations per command. So key
objects keep their contexts for their whole life:

* CMAC: a keyed CMAC object is created once and ``copy()``-ed per message.
* CBC: one long-lived CBC context per direction. A CBC context chains on its last ciphertext
  block, so a message with any IV is processed by first XOR-ing (IV xor last block) into its
  first block (encryption) or its first output block (decryption). The results are exactly
  CBC(IV, data), without a new context per message.

CMAC and ECB calls keep no state between messages and may be shared between threads; the CBC
contexts do (their last block), so an object used for CBC belongs to one session. Key objects
never show their key in repr.

3DES: cryptography >= 43 moved TripleDES to ``hazmat.decrepit`` and deprecates 8- and 16-byte
keys, so every DES key is expanded to its 24-byte equivalent (K1K2 -> K1K2K1, K -> KKK).
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

from provisioning.gp.errors import GPParseError

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - cryptography < 43 only
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

__all__ = [
    "AesKey",
    "Des3Key",
    "RetailMac",
    "aes_cbc_decrypt",
    "aes_cbc_encrypt",
    "aes_cmac",
    "aes_ecb_encrypt",
    "des3_cbc_decrypt",
    "des3_cbc_encrypt",
    "des3_ecb_decrypt",
    "des3_ecb_encrypt",
    "des3_mac",
    "des_ecb_encrypt",
    "kcv",
    "kcv_aes",
    "kcv_des",
    "pad80",
    "retail_mac",
    "unpad80",
    "xor",
]

AES_BLOCK = 16
DES_BLOCK = 8
_ZERO16 = bytes(16)
_ZERO8 = bytes(8)


def xor(a: bytes, b: bytes) -> bytes:
    """XOR of two equal-length byte strings."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big")


def pad80(data: bytes, block: int = AES_BLOCK) -> bytes:
    """ISO/IEC 9797-1 padding method 2: always append 80, then 00s to a block multiple."""
    data = bytes(data) + b"\x80"
    return data + bytes(-len(data) % block)


def unpad80(data: bytes, block: int = AES_BLOCK) -> bytes:
    """Strict inverse of :func:`pad80`; bad padding raises GPParseError."""
    n = len(data)
    if not n or n % block:
        raise GPParseError(f"padding: expected a non-empty multiple of {block} bytes, got {n}")
    stripped = bytes(data).rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or n - len(stripped) >= block:
        raise GPParseError(
            f"padding: expected 80 00..00 within the last {block} bytes,"
            f" not at offset {len(stripped) - 1}"
        )
    return stripped[:-1]


class _Cbc:
    """A CBC direction with one reused context (see the module docstring)."""

    __slots__ = ("_ctx", "_decrypt", "_last")

    def __init__(self, algorithm: algorithms.AES | TripleDES, block: int, decrypt: bool) -> None:
        cipher = Cipher(algorithm, modes.CBC(bytes(block)))
        self._ctx = cipher.decryptor() if decrypt else cipher.encryptor()
        self._decrypt = decrypt
        self._last = bytes(block)

    def run(self, data: bytes, iv: bytes) -> bytes:
        n = len(iv)
        if not data:
            return b""
        if len(data) % n:
            raise ValueError(f"CBC data must be a multiple of {n} bytes, got {len(data)}")
        fix = xor(iv, self._last)
        if self._decrypt:
            out = self._ctx.update(data)
            self._last = data[-n:]
            return xor(out[:n], fix) + out[n:]
        out = self._ctx.update(xor(data[:n], fix) + data[n:])
        self._last = out[-n:]
        return out


class AesKey:
    """An AES key whose CMAC, ECB and CBC contexts are each built once, on first use."""

    __slots__ = ("_algorithm", "_cbc_dec", "_cbc_enc", "_cmac", "_ecb", "size")

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise ValueError(f"AES keys are 16, 24 or 32 bytes, not {len(key)}")
        self.size = len(key)
        self._algorithm = algorithms.AES(bytes(key))
        # Lazily: a session MAC key never needs the CBC contexts, nor S-ENC the CMAC one.
        self._cmac: CMAC | None = None
        self._ecb = None
        self._cbc_enc: _Cbc | None = None
        self._cbc_dec: _Cbc | None = None

    def cmac(self, data: bytes) -> bytes:
        base = self._cmac
        if base is None:
            base = self._cmac = CMAC(self._algorithm)
        mac = base.copy()
        mac.update(data)
        return mac.finalize()

    def ecb_encrypt(self, data: bytes) -> bytes:
        if len(data) % AES_BLOCK:
            raise ValueError("ECB data must be whole 16-byte blocks")
        ecb = self._ecb
        if ecb is None:
            # GP mandates ECB for single blocks: the SCP03 ICV, the KCV, pseudo-random challenges.
            ecb = self._ecb = Cipher(self._algorithm, modes.ECB()).encryptor()  # noqa: S305
        return ecb.update(data)

    def cbc_encrypt(self, data: bytes, iv: bytes = _ZERO16) -> bytes:
        cbc = self._cbc_enc
        if cbc is None:
            cbc = self._cbc_enc = _Cbc(self._algorithm, AES_BLOCK, decrypt=False)
        return cbc.run(data, iv)

    def cbc_decrypt(self, data: bytes, iv: bytes = _ZERO16) -> bytes:
        cbc = self._cbc_dec
        if cbc is None:
            cbc = self._cbc_dec = _Cbc(self._algorithm, AES_BLOCK, decrypt=True)
        return cbc.run(data, iv)

    def __repr__(self) -> str:
        return f"AesKey(<{self.size * 8}-bit>)"


def _des24(key: bytes) -> bytes:
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    if len(key) == 24:
        return bytes(key)
    raise ValueError(f"DES keys are 8, 16 or 24 bytes, not {len(key)}")


class Des3Key:
    """A DES/3DES key (8, 16 or 24 bytes) with its ECB and CBC contexts prepared once."""

    __slots__ = ("_cbc_dec", "_cbc_enc", "_ecb_dec", "_ecb_enc", "size")

    def __init__(self, key: bytes) -> None:
        self.size = len(key)
        algorithm = TripleDES(_des24(bytes(key)))
        # GP mandates ECB: SCP02 key encryption, KCVs, EMV CPS diversification.
        cipher = Cipher(algorithm, modes.ECB())  # noqa: S305
        self._ecb_enc = cipher.encryptor()
        self._ecb_dec = cipher.decryptor()
        self._cbc_enc = _Cbc(algorithm, DES_BLOCK, decrypt=False)
        self._cbc_dec = _Cbc(algorithm, DES_BLOCK, decrypt=True)

    def ecb_encrypt(self, data: bytes) -> bytes:
        if len(data) % DES_BLOCK:
            raise ValueError("ECB data must be whole 8-byte blocks")
        return self._ecb_enc.update(data)

    def ecb_decrypt(self, data: bytes) -> bytes:
        if len(data) % DES_BLOCK:
            raise ValueError("ECB data must be whole 8-byte blocks")
        return self._ecb_dec.update(data)

    def cbc_encrypt(self, data: bytes, iv: bytes = _ZERO8) -> bytes:
        return self._cbc_enc.run(data, iv)

    def cbc_decrypt(self, data: bytes, iv: bytes = _ZERO8) -> bytes:
        return self._cbc_dec.run(data, iv)

    def mac(self, data: bytes, iv: bytes = _ZERO8) -> bytes:
        """Full 3DES CBC-MAC (ISO 9797-1 MAC algorithm 1) over ``pad80(data)``."""
        return self.cbc_encrypt(pad80(data, DES_BLOCK), iv)[-DES_BLOCK:]

    def __repr__(self) -> str:
        return f"Des3Key(<{self.size * 8}-bit>)"


class RetailMac:
    """ISO/IEC 9797-1 MAC algorithm 3 with padding method 2 (the SCP02 C-MAC / R-MAC).

    Single DES-CBC under the left key half over all blocks but the last, then 3DES on the last.
    """

    __slots__ = ("_full", "_left")

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise ValueError(f"retail MAC keys are 16 bytes, not {len(key)}")
        self._left = Des3Key(key[:8])
        self._full = Des3Key(key)

    def left_ecb_encrypt(self, block: bytes) -> bytes:
        """Single DES with the left half: SCP02's ICV encryption."""
        return self._left.ecb_encrypt(block)

    def mac(self, data: bytes, iv: bytes = _ZERO8) -> bytes:
        padded = pad80(data, DES_BLOCK)
        head, last = padded[:-DES_BLOCK], padded[-DES_BLOCK:]
        if head:
            iv = self._left.cbc_encrypt(head, iv)[-DES_BLOCK:]
        return self._full.ecb_encrypt(xor(last, iv))

    def __repr__(self) -> str:
        return "RetailMac(<128-bit>)"


def aes_cmac(key: bytes, data: bytes) -> bytes:
    return AesKey(key).cmac(data)


def aes_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    return AesKey(key).ecb_encrypt(data)


def aes_cbc_encrypt(key: bytes, data: bytes, iv: bytes = _ZERO16) -> bytes:
    return AesKey(key).cbc_encrypt(data, iv)


def aes_cbc_decrypt(key: bytes, data: bytes, iv: bytes = _ZERO16) -> bytes:
    return AesKey(key).cbc_decrypt(data, iv)


def des_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    if len(key) != 8:
        raise ValueError("single-DES keys are 8 bytes")
    return Des3Key(key).ecb_encrypt(data)


def des3_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    return Des3Key(key).ecb_encrypt(data)


def des3_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    return Des3Key(key).ecb_decrypt(data)


def des3_cbc_encrypt(key: bytes, data: bytes, iv: bytes = _ZERO8) -> bytes:
    return Des3Key(key).cbc_encrypt(data, iv)


def des3_cbc_decrypt(key: bytes, data: bytes, iv: bytes = _ZERO8) -> bytes:
    return Des3Key(key).cbc_decrypt(data, iv)


def des3_mac(key: bytes, data: bytes, iv: bytes = _ZERO8) -> bytes:
    return Des3Key(key).mac(data, iv)


def retail_mac(key: bytes, data: bytes, iv: bytes = _ZERO8) -> bytes:
    return RetailMac(key).mac(data, iv)


def kcv_aes(key: bytes) -> bytes:
    """GlobalPlatform / GSMA AES key check value: AES-ECB(key, 16 x 01)[:3].

    Not the PCI PIN (CMAC) method; store the method next to every KCV.
    """
    return AesKey(key).ecb_encrypt(b"\x01" * 16)[:3]


def kcv_des(key: bytes) -> bytes:
    """DES/3DES key check value: 3DES-ECB(key, 8 x 00)[:3] (GP and X9.24 method 1)."""
    return Des3Key(key).ecb_encrypt(_ZERO8)[:3]


def kcv(key: bytes, kind: Literal["aes", "des"]) -> bytes:
    if kind == "aes":
        return kcv_aes(key)
    if kind == "des":
        return kcv_des(key)
    raise ValueError(f"unknown key kind {kind!r}")
