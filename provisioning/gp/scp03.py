"""SCP03 (GlobalPlatform Card Specification Amendment D): AES secure channel, host and card side.

One :class:`Scp03Session` object holds the state both ends keep in step: the session keys, the
16-byte MAC chaining value and the encryption counter. The host calls ``external_authenticate``,
``wrap_command`` and ``unwrap_response``; the virtual card calls ``check_external_authenticate``,
``unwrap_command`` and ``wrap_response``.
"""

from __future__ import annotations

from hmac import compare_digest

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.crypto import AesKey, pad80, unpad80
from provisioning.gp.errors import GPParseError, SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.sm import (
    VALID_LEVELS,
    InitUpdateResponse,
    SecurityLevel,
    has_sm_indication,
    lc_bytes,
    mac_cla,
    plain_cla,
    rmac_applies,
    wire_cla,
)

__all__ = [
    "I_PSEUDO_RANDOM",
    "I_R_ENC",
    "I_R_MAC",
    "I_S16",
    "Scp03Session",
    "build_init_update_response",
    "check_i_param",
    "kdf",
    "parse_init_update_response",
    "pseudo_random_challenge",
    "session_keys",
]

# "i" parameter bits, Amendment D Table 5-1.
I_S16 = 0x01
I_PSEUDO_RANDOM = 0x10
I_R_MAC = 0x20
I_R_ENC = 0x40
_VALID_I = frozenset(base | s16 for base in (0x00, 0x10, 0x20, 0x30, 0x60, 0x70) for s16 in (0, 1))

# Data derivation constants, Amendment D Table 4-1.
_CARD_CRYPTOGRAM = 0x00
_HOST_CRYPTOGRAM = 0x01
_CARD_CHALLENGE = 0x02
_S_ENC = 0x04
_S_MAC = 0x06
_S_RMAC = 0x07

SEQUENCE_COUNTER_MAX = 0xFFFFFF
_ZERO_CHAIN = bytes(16)
# Plain ints on the per-command path: IntFlag arithmetic costs more than the AES work here.
_C_MAC, _C_DEC, _R_MAC, _R_ENC = 0x01, 0x02, 0x10, 0x20


def check_i_param(i_param: int) -> None:
    if i_param not in _VALID_I:
        raise ValueError(f"unsupported SCP03 i parameter {i_param:02X}")


def kdf(key: AesKey, constant: int, context: bytes, bits: int) -> bytes:
    """Amendment D §4.1.5: NIST SP 800-108 counter mode, PRF = AES-CMAC.

    Block i = CMAC(key, 00 x 11 || constant || 00 || L (2 bytes, bits) || i || context). This field
    order is GP's, not the one generic SP 800-108 helpers use.
    """
    label = bytes(11) + bytes((constant, 0)) + bits.to_bytes(2, "big")
    out = b""
    counter = 1
    while len(out) * 8 < bits:
        out += key.cmac(label + bytes((counter,)) + context)
        counter += 1
    return out[: bits // 8]


def session_keys(keys: KeySet, host_challenge: bytes, card_challenge: bytes) -> dict[str, bytes]:
    """S-ENC, S-MAC and S-RMAC (S-RMAC comes from Key-MAC; the DEK has no session key)."""
    context = host_challenge + card_challenge
    bits = keys.key_length * 8
    return {
        "enc": kdf(keys.aes("enc"), _S_ENC, context, bits),
        "mac": kdf(keys.aes("mac"), _S_MAC, context, bits),
        "rmac": kdf(keys.aes("mac"), _S_RMAC, context, bits),
    }


def pseudo_random_challenge(
    keys: KeySet, sequence_counter: int, sd_aid: bytes, *, s16: bool = False
) -> bytes:
    """Card challenge of the i = 1x/3x/7x mode: KDF(Key-ENC, 02, seq (3 bytes) || SD AID)."""
    context = sequence_counter.to_bytes(3, "big") + bytes(sd_aid)
    return kdf(keys.aes("enc"), _CARD_CHALLENGE, context, 128 if s16 else 64)


def parse_init_update_response(data: bytes) -> InitUpdateResponse:
    """Decode ``KDD(10) KVN 03 i challenge cryptogram [seq(3)]`` (S8: 8-byte, S16: 16-byte)."""
    if len(data) < 13:
        raise GPParseError(
            f"INITIALIZE UPDATE response: expected at least 13 bytes, got {len(data)}"
        )
    kdd, kvn, scp, i_param = data[:10], data[10], data[11], data[12]
    if scp != 0x03:
        raise GPParseError(
            f"INITIALIZE UPDATE response: SCP identifier {scp:02X} at offset 11, not 03"
        )
    n = 16 if i_param & I_S16 else 8
    expected = 13 + 2 * n + (3 if i_param & I_PSEUDO_RANDOM else 0)
    if len(data) != expected:
        raise GPParseError(
            f"INITIALIZE UPDATE response: i={i_param:02X} needs {expected} bytes, got {len(data)}"
        )
    seq = int.from_bytes(data[13 + 2 * n :], "big") if i_param & I_PSEUDO_RANDOM else None
    return InitUpdateResponse(
        kdd=bytes(kdd),
        key_version=kvn,
        scp=3,
        i_param=i_param,
        card_challenge=bytes(data[13 : 13 + n]),
        card_cryptogram=bytes(data[13 + n : 13 + 2 * n]),
        sequence_counter=seq,
    )


def build_init_update_response(
    *,
    kdd: bytes,
    key_version: int,
    i_param: int,
    card_challenge: bytes,
    card_cryptogram: bytes,
    sequence_counter: int | None,
) -> bytes:
    seq = b"" if sequence_counter is None else sequence_counter.to_bytes(3, "big")
    return bytes(kdd) + bytes((key_version, 0x03, i_param)) + card_challenge + card_cryptogram + seq


class Scp03Session:
    """One SCP03 session from its challenges; see the module docstring for who calls what."""

    scp = 3

    def __init__(
        self, keys: KeySet, host_challenge: bytes, card_challenge: bytes, *, i_param: int
    ) -> None:
        if keys.kind != "aes":
            raise ValueError("SCP03 needs an AES key set")
        check_i_param(i_param)
        self.i_param = i_param
        self.s16 = bool(i_param & I_S16)
        self._n = 16 if self.s16 else 8
        if len(host_challenge) != self._n or len(card_challenge) != self._n:
            raise SecureChannelError(f"SCP03 challenges are {self._n} bytes in this mode")
        derived = session_keys(keys, host_challenge, card_challenge)
        self._s_enc = AesKey(derived["enc"])
        self._s_mac = AesKey(derived["mac"])
        self._s_rmac = AesKey(derived["rmac"])
        self._keys = keys
        self._dek_key: AesKey | None = None
        context = host_challenge + card_challenge
        self.card_cryptogram = kdf(self._s_mac, _CARD_CRYPTOGRAM, context, self._n * 8)
        self.host_cryptogram = kdf(self._s_mac, _HOST_CRYPTOGRAM, context, self._n * 8)
        self.level: SecurityLevel | None = None
        self._lv = -1  # int(self.level) once authenticated
        self._chain = _ZERO_CHAIN
        self._counter = 0

    def __repr__(self) -> str:
        return f"Scp03Session(i={self.i_param:02X}, level={self.level!r})"

    # -- authentication ------------------------------------------------------------------

    def _check_level(self, level: int) -> SecurityLevel:
        if level not in VALID_LEVELS[3]:
            raise SecureChannelError(f"security level {level:02X} is not valid for SCP03")
        if level & _R_MAC and not self.i_param & I_R_MAC:
            raise SecureChannelError(f"i={self.i_param:02X}: the card does not support R-MAC")
        if level & _R_ENC and not self.i_param & I_R_ENC:
            raise SecureChannelError(f"i={self.i_param:02X}: the card does not support R-ENC")
        return SecurityLevel(level)

    def _mac(self, cla: int, ins: int, p1: int, p2: int, data: bytes) -> bytes:
        header = bytes((mac_cla(cla), ins, p1, p2)) + lc_bytes(len(data) + self._n)
        self._chain = self._s_mac.cmac(self._chain + header + data)
        return self._chain[: self._n]

    def external_authenticate(self, level: SecurityLevel) -> CommandAPDU:
        """Host: the EXTERNAL AUTHENTICATE command; the session is authenticated from here on."""
        level = self._check_level(level)
        self._chain = _ZERO_CHAIN
        mac = self._mac(0x84, 0x82, level, 0x00, self.host_cryptogram)
        self.level = level
        self._lv = int(level)
        self._counter = 0
        return CommandAPDU(0x84, 0x82, level, 0x00, self.host_cryptogram + mac)

    def check_external_authenticate(self, capdu: CommandAPDU) -> None:
        """Card: verify EXTERNAL AUTHENTICATE; raises SecureChannelError with the SW to answer."""
        if capdu.ins != 0x82 or capdu.p2 != 0 or not has_sm_indication(capdu.cla):
            raise SecureChannelError("malformed EXTERNAL AUTHENTICATE", sw=0x6A86)
        if len(capdu.data) != 2 * self._n:
            raise SecureChannelError("EXTERNAL AUTHENTICATE has the wrong length", sw=0x6700)
        try:
            level = self._check_level(capdu.p1)
        except SecureChannelError as exc:
            raise SecureChannelError(str(exc), sw=0x6A86) from None
        cryptogram, mac = capdu.data[: self._n], capdu.data[self._n :]
        self._chain = _ZERO_CHAIN
        if not compare_digest(self._mac(capdu.cla, 0x82, capdu.p1, 0x00, cryptogram), mac):
            raise SecureChannelError("EXTERNAL AUTHENTICATE C-MAC is wrong", sw=0x6982)
        if not compare_digest(cryptogram, self.host_cryptogram):
            raise SecureChannelError("host cryptogram is wrong", sw=0x6300)
        self.level = level
        self._lv = int(level)
        self._counter = 0

    # -- secure messaging ----------------------------------------------------------------

    def _require_auth(self) -> int:
        if self._lv < 0:
            raise SecureChannelError("the secure channel is not authenticated")
        return self._lv

    def _icv(self, response: bool) -> bytes:
        # R-ENC uses the command's counter block with its first byte set to 80.
        block = self._counter.to_bytes(16, "big")
        if response:
            block = b"\x80" + block[1:]
        return self._s_enc.ecb_encrypt(block)

    def wrap_command(self, capdu: CommandAPDU) -> CommandAPDU:
        """Host: encrypt (C-DECRYPTION) then MAC the command."""
        level = self._require_auth()
        # The counter moves on every command, with or without data (trap: pySim case 1/2 at 03).
        self._counter += 1
        if not level & _C_MAC:
            return capdu
        data = capdu.data
        if level & _C_DEC and data:
            data = self._s_enc.cbc_encrypt(pad80(data), self._icv(response=False))
        mac = self._mac(capdu.cla, capdu.ins, capdu.p1, capdu.p2, data)
        return CommandAPDU(wire_cla(capdu.cla), capdu.ins, capdu.p1, capdu.p2, data + mac, capdu.le)

    def unwrap_command(self, capdu: CommandAPDU) -> CommandAPDU:
        """Card: verify the C-MAC and decrypt; any failure means the card aborts the session."""
        level = self._require_auth()
        self._counter += 1
        if not level & _C_MAC:
            return capdu
        if not has_sm_indication(capdu.cla) or len(capdu.data) < self._n:
            raise SecureChannelError("command lacks the secure messaging the session requires")
        body, mac = capdu.data[: -self._n], capdu.data[-self._n :]
        if not compare_digest(self._mac(capdu.cla, capdu.ins, capdu.p1, capdu.p2, body), mac):
            raise SecureChannelError("C-MAC is wrong")
        if level & _C_DEC and body:
            if len(body) % 16:
                raise SecureChannelError("encrypted command data is not whole AES blocks")
            try:
                body = unpad80(self._s_enc.cbc_decrypt(body, self._icv(response=False)))
            except GPParseError as exc:
                raise SecureChannelError(f"decrypted command data: {exc}") from None
        return CommandAPDU(plain_cla(capdu.cla), capdu.ins, capdu.p1, capdu.p2, body, capdu.le)

    def wrap_response(self, resp: ResponseAPDU) -> ResponseAPDU:
        """Card: R-ENC then R-MAC, only on 9000/62xx/63xx; errors go back as a bare SW."""
        level = self._require_auth()
        if not level & _R_MAC:
            return resp
        if not rmac_applies(resp.sw):
            return ResponseAPDU(b"", resp.sw)
        body = resp.data
        if level & _R_ENC and body:
            body = self._s_enc.cbc_encrypt(pad80(body), self._icv(response=True))
        sw = resp.sw.to_bytes(2, "big")
        mac = self._s_rmac.cmac(self._chain + body + sw)[: self._n]
        return ResponseAPDU(body + mac, resp.sw)

    def unwrap_response(self, resp: ResponseAPDU) -> ResponseAPDU:
        """Host: verify the R-MAC and decrypt; an error SW legitimately carries no R-MAC."""
        level = self._require_auth()
        if not level & _R_MAC or not rmac_applies(resp.sw):
            return resp
        if len(resp.data) < self._n:
            raise SecureChannelError(f"response SW {resp.sw:04X} lacks its R-MAC")
        body, mac = resp.data[: -self._n], resp.data[-self._n :]
        expected = self._s_rmac.cmac(self._chain + body + resp.sw.to_bytes(2, "big"))
        if not compare_digest(expected[: self._n], mac):
            raise SecureChannelError("R-MAC is wrong")
        if level & _R_ENC and body:
            if len(body) % 16:
                raise SecureChannelError("encrypted response data is not whole AES blocks")
            try:
                body = unpad80(self._s_enc.cbc_decrypt(body, self._icv(response=True)))
            except GPParseError as exc:
                raise SecureChannelError(f"decrypted response data: {exc}") from None
        return ResponseAPDU(body, resp.sw)

    # -- sensitive data (static Key-DEK, AES-CBC, zero ICV) ------------------------------

    @property
    def _dek(self) -> AesKey:
        # Per session: CBC contexts carry state, so they are never shared through the KeySet.
        if self._dek_key is None:
            self._dek_key = AesKey(self._keys.dek)
        return self._dek_key

    def encrypt_key(self, key: bytes) -> bytes:
        """A key value for PUT KEY / STORE DATA; 24-byte keys get 8 padding bytes (zeros)."""
        if len(key) not in (16, 24, 32):
            raise ValueError(f"SCP03 encrypts AES keys of 16, 24 or 32 bytes, not {len(key)}")
        block = bytes(key) + bytes(-len(key) % 16)
        return self._dek.cbc_encrypt(block)

    def decrypt_key(self, data: bytes, length: int | None = None) -> bytes:
        """Card: inverse of encrypt_key; ``length`` strips the padding of 24-byte keys."""
        if not data or len(data) % 16:
            raise SecureChannelError("encrypted key data is not whole AES blocks")
        plain = self._dek.cbc_decrypt(bytes(data))
        return plain[:length] if length is not None else plain

    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes:
        """Sensitive STORE DATA content; the application decides the padding (``pad`` = 80 00..)."""
        data = pad80(data) if pad else bytes(data)
        if not data or len(data) % 16:
            raise ValueError("sensitive data must be whole 16-byte blocks (or pass pad=True)")
        return self._dek.cbc_encrypt(data)

    def decrypt_sensitive(self, data: bytes, *, unpad: bool = False) -> bytes:
        if not data or len(data) % 16:
            raise SecureChannelError("encrypted sensitive data is not whole AES blocks")
        plain = self._dek.cbc_decrypt(bytes(data))
        return unpad80(plain) if unpad else plain
