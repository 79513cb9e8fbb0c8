"""SCP02 (GlobalPlatform Card Specification Appendix E): 3DES secure channel, host and card side.

Explicit initiation only. Supported "i" values: 05/15/25/35/45/55/65/75, i.e. three keys and
explicit initiation, with the optional bits b5 (10: ICV encryption), b6 (20: R-MAC support) and
b7 (40: pseudo-random card challenge). As in deployed i=15/55 cards (and the public vectors), the
C-MAC covers the plaintext with the header already showing CLA|04 and Lc+8.
"""

from __future__ import annotations

from hmac import compare_digest

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.crypto import DES_BLOCK, Des3Key, RetailMac, pad80, unpad80
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
    "I_ICV_ENCRYPTION",
    "I_PSEUDO_RANDOM",
    "I_R_MAC",
    "Scp02Session",
    "build_init_update_response",
    "check_i_param",
    "parse_init_update_response",
    "pseudo_random_challenge",
    "session_keys",
]

I_ICV_ENCRYPTION = 0x10
I_R_MAC = 0x20
I_PSEUDO_RANDOM = 0x40
_I_REQUIRED = 0x05  # three keys, explicit initiation
_I_OPTIONAL = I_ICV_ENCRYPTION | I_R_MAC | I_PSEUDO_RANDOM

# Session key derivation constants, GPCS E.4.1.
_CONSTANTS = {"mac": b"\x01\x01", "rmac": b"\x01\x02", "dek": b"\x01\x81", "enc": b"\x01\x82"}
_STATIC_FOR = {"mac": "mac", "rmac": "mac", "dek": "dek", "enc": "enc"}

SEQUENCE_COUNTER_MAX = 0xFFFF
_ZERO8 = bytes(8)
# Plain ints on the per-command path: IntFlag arithmetic costs more than the DES work here.
_C_MAC, _C_DEC, _R_MAC = 0x01, 0x02, 0x10


def check_i_param(i_param: int) -> None:
    if i_param & ~_I_OPTIONAL != _I_REQUIRED:
        raise ValueError(f"unsupported SCP02 i parameter {i_param:02X}")


def session_keys(keys: KeySet, sequence_counter: int) -> dict[str, bytes]:
    """3DES-CBC (zero ICV) of ``constant || seq (2 bytes) || 00 x 12`` under the static key."""
    seq = sequence_counter.to_bytes(2, "big")
    derived = {}
    for name, const in _CONSTANTS.items():
        # CBC over two blocks written as ECB: the KeySet's shared contexts stay stateless.
        static = keys.des(_STATIC_FOR[name])
        first = static.ecb_encrypt(const + seq + bytes(4))
        derived[name] = first + static.ecb_encrypt(first)  # second block is 00 x 8
    return derived


def pseudo_random_challenge(keys: KeySet, sequence_counter: int, sd_aid: bytes) -> bytes:
    """i = 4x/5x/7x card challenge: retail MAC of the padded SD AID under the C-MAC session key."""
    s_mac = session_keys(keys, sequence_counter)["mac"]
    return RetailMac(s_mac).mac(bytes(sd_aid))[:6]


def parse_init_update_response(data: bytes) -> InitUpdateResponse:
    """Decode ``KDD(10) KVN 02 seq(2) card challenge(6) card cryptogram(8)``."""
    if len(data) != 28:
        raise GPParseError(f"SCP02 INITIALIZE UPDATE response: expected 28 bytes, got {len(data)}")
    if data[11] != 0x02:
        raise GPParseError(
            f"INITIALIZE UPDATE response: SCP identifier {data[11]:02X} at offset 11, not 02"
        )
    return InitUpdateResponse(
        kdd=bytes(data[:10]),
        key_version=data[10],
        scp=2,
        i_param=None,
        card_challenge=bytes(data[14:20]),
        card_cryptogram=bytes(data[20:28]),
        sequence_counter=int.from_bytes(data[12:14], "big"),
    )


def build_init_update_response(
    *,
    kdd: bytes,
    key_version: int,
    sequence_counter: int,
    card_challenge: bytes,
    card_cryptogram: bytes,
) -> bytes:
    return (
        bytes(kdd)
        + bytes((key_version, 0x02))
        + sequence_counter.to_bytes(2, "big")
        + card_challenge
        + card_cryptogram
    )


class Scp02Session:
    """One SCP02 session, from the host challenge and the card's counter and challenge."""

    scp = 2
    s16 = False

    def __init__(
        self,
        keys: KeySet,
        host_challenge: bytes,
        card_challenge: bytes,
        *,
        sequence_counter: int,
        i_param: int = 0x15,
    ) -> None:
        if keys.kind != "des" or keys.key_length != 16:
            raise ValueError("SCP02 needs a 3DES key set of 16-byte keys (kind='des')")
        check_i_param(i_param)
        if len(host_challenge) != 8 or len(card_challenge) != 6:
            raise SecureChannelError("SCP02 challenges are 8 (host) and 6 (card) bytes")
        self.i_param = i_param
        derived = session_keys(keys, sequence_counter)
        self._c_mac = RetailMac(derived["mac"])
        self._r_mac = RetailMac(derived["rmac"])
        self._enc = Des3Key(derived["enc"])
        self._dek = Des3Key(derived["dek"])
        seq = sequence_counter.to_bytes(2, "big")
        self.card_cryptogram = self._enc.mac(host_challenge + seq + card_challenge)
        self.host_cryptogram = self._enc.mac(seq + card_challenge + host_challenge)
        self.level: SecurityLevel | None = None
        self._lv = -1  # int(self.level) once authenticated
        self._icv = _ZERO8  # last C-MAC
        self._ricv = _ZERO8  # last R-MAC
        self._last_command = b""  # stripped command, the start of the next R-MAC input

    def __repr__(self) -> str:
        return f"Scp02Session(i={self.i_param:02X}, level={self.level!r})"

    def _check_level(self, level: int) -> SecurityLevel:
        if level not in VALID_LEVELS[2]:
            raise SecureChannelError(f"security level {level:02X} is not valid for SCP02")
        if level & _R_MAC and not self.i_param & I_R_MAC:
            raise SecureChannelError(f"i={self.i_param:02X}: the card does not support R-MAC")
        return SecurityLevel(level)

    def _mac(self, cla: int, ins: int, p1: int, p2: int, plain: bytes) -> bytes:
        icv = self._icv
        if icv != _ZERO8 and self.i_param & I_ICV_ENCRYPTION:
            icv = self._c_mac.left_ecb_encrypt(icv)
        header = bytes((mac_cla(cla), ins, p1, p2)) + lc_bytes(len(plain) + 8)
        self._icv = self._c_mac.mac(header + plain, icv)
        return self._icv

    def _authenticated(self, level: SecurityLevel, mac: bytes) -> None:
        self.level = level
        self._lv = int(level)
        # E.3.2: the EXTERNAL AUTHENTICATE C-MAC seeds both chains.
        self._ricv = mac

    def external_authenticate(self, level: SecurityLevel) -> CommandAPDU:
        level = self._check_level(level)
        self._icv = _ZERO8
        mac = self._mac(0x84, 0x82, level, 0x00, self.host_cryptogram)
        self._authenticated(level, mac)
        return CommandAPDU(0x84, 0x82, level, 0x00, self.host_cryptogram + mac)

    def check_external_authenticate(self, capdu: CommandAPDU) -> None:
        if capdu.ins != 0x82 or capdu.p2 != 0 or not has_sm_indication(capdu.cla):
            raise SecureChannelError("malformed EXTERNAL AUTHENTICATE", sw=0x6A86)
        if len(capdu.data) != 16:
            raise SecureChannelError("EXTERNAL AUTHENTICATE has the wrong length", sw=0x6700)
        try:
            level = self._check_level(capdu.p1)
        except SecureChannelError as exc:
            raise SecureChannelError(str(exc), sw=0x6A86) from None
        cryptogram, mac = capdu.data[:8], capdu.data[8:]
        self._icv = _ZERO8
        if not compare_digest(self._mac(capdu.cla, 0x82, capdu.p1, 0x00, cryptogram), mac):
            raise SecureChannelError("EXTERNAL AUTHENTICATE C-MAC is wrong", sw=0x6982)
        if not compare_digest(cryptogram, self.host_cryptogram):
            raise SecureChannelError("host cryptogram is wrong", sw=0x6300)
        self._authenticated(level, mac)

    def _require_auth(self) -> int:
        if self._lv < 0:
            raise SecureChannelError("the secure channel is not authenticated")
        return self._lv

    def _remember(self, cla: int, ins: int, p1: int, p2: int, plain: bytes) -> None:
        # E.4.5: the R-MAC covers the unprotected command, channel 0, Lc always present.
        self._last_command = bytes(((cla & 0x90), ins, p1, p2, len(plain) & 0xFF)) + plain

    def wrap_command(self, capdu: CommandAPDU) -> CommandAPDU:
        level = self._require_auth()
        self._remember(capdu.cla, capdu.ins, capdu.p1, capdu.p2, capdu.data)
        if not level & _C_MAC:
            return capdu
        mac = self._mac(capdu.cla, capdu.ins, capdu.p1, capdu.p2, capdu.data)
        data = capdu.data
        if level & _C_DEC and data:
            data = self._enc.cbc_encrypt(pad80(data, DES_BLOCK))
        return CommandAPDU(wire_cla(capdu.cla), capdu.ins, capdu.p1, capdu.p2, data + mac, capdu.le)

    def unwrap_command(self, capdu: CommandAPDU) -> CommandAPDU:
        level = self._require_auth()
        plain = capdu.data
        cla = capdu.cla
        if level & _C_MAC:
            if not has_sm_indication(cla) or len(plain) < 8:
                raise SecureChannelError("command lacks the secure messaging the session requires")
            plain, mac = plain[:-8], plain[-8:]
            if level & _C_DEC and plain:
                if len(plain) % DES_BLOCK:
                    raise SecureChannelError("encrypted command data is not whole DES blocks")
                try:
                    plain = unpad80(self._enc.cbc_decrypt(plain), DES_BLOCK)
                except GPParseError as exc:
                    raise SecureChannelError(f"decrypted command data: {exc}") from None
            if not compare_digest(self._mac(cla, capdu.ins, capdu.p1, capdu.p2, plain), mac):
                raise SecureChannelError("C-MAC is wrong")
            cla = plain_cla(cla)
        self._remember(cla, capdu.ins, capdu.p1, capdu.p2, plain)
        return CommandAPDU(cla, capdu.ins, capdu.p1, capdu.p2, plain, capdu.le)

    def _rmac(self, resp: ResponseAPDU) -> bytes:
        body = bytes((len(resp.data) & 0xFF,)) + resp.data if rmac_applies(resp.sw) else b"\x00"
        self._ricv = self._r_mac.mac(
            self._last_command + body + resp.sw.to_bytes(2, "big"), self._ricv
        )
        return self._ricv

    def wrap_response(self, resp: ResponseAPDU) -> ResponseAPDU:
        """Card: with R-MAC, every response (errors too, data dropped) carries an R-MAC."""
        level = self._require_auth()
        if not level & _R_MAC:
            return resp
        if not rmac_applies(resp.sw):
            resp = ResponseAPDU(b"", resp.sw)
        return ResponseAPDU(resp.data + self._rmac(resp), resp.sw)

    def unwrap_response(self, resp: ResponseAPDU) -> ResponseAPDU:
        level = self._require_auth()
        if not level & _R_MAC:
            return resp
        if len(resp.data) < 8:
            raise SecureChannelError(f"response SW {resp.sw:04X} lacks its R-MAC")
        plain = ResponseAPDU(resp.data[:-8], resp.sw)
        if not compare_digest(self._rmac(plain), resp.data[-8:]):
            raise SecureChannelError("R-MAC is wrong")
        return plain

    # -- sensitive data: 3DES-ECB under the session DEK (E.4.7, explicit initiation) ------

    def encrypt_key(self, key: bytes) -> bytes:
        if len(key) not in (16, 24):
            raise ValueError(f"SCP02 encrypts 3DES keys of 16 or 24 bytes, not {len(key)}")
        return self._dek.ecb_encrypt(bytes(key))

    def decrypt_key(self, data: bytes, length: int | None = None) -> bytes:
        if not data or len(data) % DES_BLOCK:
            raise SecureChannelError("encrypted key data is not whole DES blocks")
        plain = self._dek.ecb_decrypt(bytes(data))
        return plain[:length] if length is not None else plain

    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes:
        data = pad80(data, DES_BLOCK) if pad else bytes(data)
        if not data or len(data) % DES_BLOCK:
            raise ValueError("sensitive data must be whole 8-byte blocks (or pass pad=True)")
        return self._dek.ecb_encrypt(data)

    def decrypt_sensitive(self, data: bytes, *, unpad: bool = False) -> bytes:
        if not data or len(data) % DES_BLOCK:
            raise SecureChannelError("encrypted sensitive data is not whole DES blocks")
        plain = self._dek.ecb_decrypt(bytes(data))
        return unpad80(plain, DES_BLOCK) if unpad else plain
