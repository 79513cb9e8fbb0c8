"""The card side of SCP02/SCP03 for the virtual secure element.

The simulator routes INITIALIZE UPDATE and EXTERNAL AUTHENTICATE here, passes every later command
through :meth:`CardSecureChannel.unwrap_command` and every answer through
:meth:`CardSecureChannel.wrap_response`. The protocol arithmetic is the same code the host uses
(:mod:`scp03`, :mod:`scp02`), checked against the same public vectors.

Sequence counters follow the specifications: SCP03 increments the counter *before* computing a
pseudo-random challenge at INITIALIZE UPDATE; SCP02 uses the current value and increments it
after a successful EXTERNAL AUTHENTICATE. ``sequence_counter`` is what the card must persist.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from provisioning.gp import scp02, scp03
from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.errors import SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.sm import SecureSession, SecurityLevel

__all__ = ["CardSecureChannel"]


def _answer(sw: int, data: bytes = b"") -> ResponseAPDU:
    return ResponseAPDU(data, sw)


class CardSecureChannel:
    """One security domain's secure-channel state on the card (one logical channel)."""

    def __init__(
        self,
        keys: KeySet,
        *,
        scp: int,
        i_param: int,
        sequence_counter: int,
        sd_aid: bytes,
        s16: bool = False,
        rng: Callable[[int], bytes] = os.urandom,
        kdd: bytes = bytes(10),
    ) -> None:
        if scp == 3:
            i_param |= scp03.I_S16 if s16 else 0
            scp03.check_i_param(i_param)
        elif scp == 2:
            if s16:
                raise ValueError("S16 mode exists only in SCP03")
            scp02.check_i_param(i_param)
        else:
            raise ValueError(f"unsupported SCP {scp!r}")
        if len(kdd) != 10:
            raise ValueError("key diversification data is 10 bytes")
        self._keys = keys
        self.scp = scp
        self.i_param = i_param
        self.s16 = bool(i_param & scp03.I_S16) if scp == 3 else False
        self.sequence_counter = sequence_counter
        self.sd_aid = bytes(sd_aid)
        self._rng = rng
        self._kdd = bytes(kdd)
        self._session: SecureSession | None = None
        self._authenticated = False
        self._aborted = False

    def __repr__(self) -> str:
        return (
            f"CardSecureChannel(scp={self.scp:02X}, i={self.i_param:02X},"
            f" keys={self._keys!r}, open={self.is_open})"
        )

    @property
    def is_open(self) -> bool:
        """A session has been initiated (INITIALIZE UPDATE accepted) and not closed or aborted."""
        return self._session is not None

    @property
    def is_authenticated(self) -> bool:
        return self._authenticated

    @property
    def aborted(self) -> bool:
        """A secure-messaging failure aborted the session: reject commands until a new session."""
        return self._aborted

    @property
    def security_level(self) -> SecurityLevel:
        if self._session is None or not self._authenticated:
            return SecurityLevel.NONE
        return self._session.level or SecurityLevel.NONE

    def close(self) -> None:
        """Explicit termination (new SELECT, channel closed, card reset)."""
        self._session = None
        self._authenticated = False
        self._aborted = False

    def _abort(self) -> None:
        self._session = None
        self._authenticated = False
        self._aborted = True

    def initialize_update(self, capdu: CommandAPDU) -> ResponseAPDU:
        # A new INITIALIZE UPDATE always terminates the current session, whatever its outcome.
        self.close()
        if capdu.p2 != 0:
            return _answer(0x6A86)
        if capdu.p1 not in (0, self._keys.version):
            return _answer(0x6A88)
        n = 16 if self.s16 else 8
        if len(capdu.data) != n:
            return _answer(0x6700)
        if self.scp == 3:
            return self._initialize_update_scp03(capdu.data)
        return self._initialize_update_scp02(capdu.data)

    def _initialize_update_scp03(self, host_challenge: bytes) -> ResponseAPDU:
        seq = None
        if self.i_param & scp03.I_PSEUDO_RANDOM:
            if self.sequence_counter >= scp03.SEQUENCE_COUNTER_MAX:
                return _answer(0x6985)
            self.sequence_counter += 1
            seq = self.sequence_counter
            challenge = scp03.pseudo_random_challenge(self._keys, seq, self.sd_aid, s16=self.s16)
        else:
            challenge = self._rng(16 if self.s16 else 8)
        session = scp03.Scp03Session(self._keys, host_challenge, challenge, i_param=self.i_param)
        self._session = session
        return _answer(
            0x9000,
            scp03.build_init_update_response(
                kdd=self._kdd,
                key_version=self._keys.version,
                i_param=self.i_param,
                card_challenge=challenge,
                card_cryptogram=session.card_cryptogram,
                sequence_counter=seq,
            ),
        )

    def _initialize_update_scp02(self, host_challenge: bytes) -> ResponseAPDU:
        seq = self.sequence_counter
        if seq > scp02.SEQUENCE_COUNTER_MAX:
            return _answer(0x6985)
        if self.i_param & scp02.I_PSEUDO_RANDOM:
            challenge = scp02.pseudo_random_challenge(self._keys, seq, self.sd_aid)
        else:
            challenge = self._rng(6)
        session = scp02.Scp02Session(
            self._keys, host_challenge, challenge, sequence_counter=seq, i_param=self.i_param
        )
        self._session = session
        return _answer(
            0x9000,
            scp02.build_init_update_response(
                kdd=self._kdd,
                key_version=self._keys.version,
                sequence_counter=seq,
                card_challenge=challenge,
                card_cryptogram=session.card_cryptogram,
            ),
        )

    def external_authenticate(self, capdu: CommandAPDU) -> ResponseAPDU:
        """9000, or 6300 (wrong host cryptogram) / 6982 (wrong C-MAC) and the session closed."""
        session = self._session
        if session is None or self._authenticated:
            self._abort()
            return _answer(0x6985)
        try:
            session.check_external_authenticate(capdu)
        except SecureChannelError as exc:
            self._abort()
            return _answer(exc.sw or 0x6982)
        self._authenticated = True
        if self.scp == 2:
            self.sequence_counter += 1
        return _answer(0x9000)

    def unwrap_command(self, capdu: CommandAPDU) -> CommandAPDU:
        """Verify and decrypt; on failure the session is aborted and the card answers 6982."""
        session = self._session
        if session is None or not self._authenticated:
            raise SecureChannelError("no authenticated secure channel", sw=0x6982)
        try:
            return session.unwrap_command(capdu)
        except SecureChannelError as exc:
            self._abort()
            raise SecureChannelError(str(exc), sw=0x6982) from None

    def wrap_response(self, resp: ResponseAPDU) -> ResponseAPDU:
        session = self._session
        if session is None or not self._authenticated:
            return resp
        return session.wrap_response(resp)

    def _require_session(self) -> SecureSession:
        if self._session is None or not self._authenticated:
            raise SecureChannelError("no authenticated secure channel", sw=0x6982)
        return self._session

    def decrypt_key(self, data: bytes, length: int | None = None) -> bytes:
        """Inverse of SecureChannel.encrypt_key (``length`` strips padding of 24-byte AES keys)."""
        return self._require_session().decrypt_key(data, length)

    def decrypt_sensitive(self, data: bytes, *, unpad: bool = False) -> bytes:
        return self._require_session().decrypt_sensitive(data, unpad=unpad)
