"""Host side: open an SCP02/SCP03 secure channel through any transport and use it.

``transport`` is anything with ``transmit(capdu: bytes) -> bytes`` (response data + SW1 SW2):
a PC/SC reader, the virtual card, or an OTA adapter replaying a prepared script.
"""

from __future__ import annotations

import os
from hmac import compare_digest

from provisioning.gp import scp02, scp03
from provisioning.gp.apdu import CommandAPDU, ResponseAPDU, T0Transport, Transport
from provisioning.gp.errors import SecureChannelError
from provisioning.gp.keys import Diversification, KeySet, diversify
from provisioning.gp.sm import InitUpdateResponse, SecureSession, SecurityLevel

__all__ = ["SecureChannel", "SecurityLevel", "open_secure_channel", "start_session"]


class SecureChannel:
    """An authenticated session: ``transmit`` takes and returns plain APDUs.

    Any secure-messaging failure (a wrong R-MAC, or 6982 from the card, which aborts the session
    on its side) closes the channel; every later call raises :class:`SecureChannelError`.
    """

    def __init__(
        self, transport: Transport, session: SecureSession, init_response: InitUpdateResponse
    ) -> None:
        self._transport = transport
        self._session = session
        self.key_version = init_response.key_version
        self.kdd = init_response.kdd
        self.sequence_counter = init_response.sequence_counter
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return (
            f"SecureChannel(scp={self.scp:02X}, i={self.i_param:02X},"
            f" level={int(self.security_level):02X}, {state})"
        )

    @property
    def scp(self) -> int:
        return self._session.scp

    @property
    def i_param(self) -> int:
        return self._session.i_param

    @property
    def s16(self) -> bool:
        return self._session.s16

    @property
    def security_level(self) -> SecurityLevel:
        return self._session.level or SecurityLevel.NONE

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True

    def _open_session(self) -> SecureSession:
        if self._closed:
            raise SecureChannelError("the secure channel is closed; open a new one")
        return self._session

    def transmit(self, capdu: bytes) -> bytes:
        session = self._open_session()
        wrapped = session.wrap_command(CommandAPDU.parse(capdu))
        resp = ResponseAPDU.parse(self._transport.transmit(wrapped.to_bytes()))
        if resp.sw == 0x6982:
            self._closed = True
            raise SecureChannelError("the card aborted the secure channel", sw=resp.sw)
        try:
            plain = session.unwrap_response(resp)
        except SecureChannelError:
            self._closed = True
            raise
        return plain.to_bytes()

    def encrypt_key(self, key: bytes) -> bytes:
        """Key value as PUT KEY carries it: SCP03 AES-CBC (zero ICV) under the static DEK,
        SCP02 3DES-ECB under the session DEK."""
        return self._open_session().encrypt_key(key)

    def encrypt_sensitive(self, data: bytes, *, pad: bool = False) -> bytes:
        """Sensitive STORE DATA content (encrypted DGIs), same keys and modes as encrypt_key."""
        return self._open_session().encrypt_sensitive(data, pad=pad)


def _check_challenge(expected: bytes, actual: bytes) -> None:
    if not compare_digest(expected, actual):
        raise SecureChannelError(
            "card challenge is not the pseudo-random value for this counter and SD AID"
        )


def start_session(
    keys: KeySet,
    init_response: bytes,
    host_challenge: bytes,
    *,
    scp: int,
    i_param: int | None = None,
    diversification: Diversification | None = None,
    sd_aid: bytes | None = None,
) -> tuple[SecureSession, InitUpdateResponse]:
    """Decode an INITIALIZE UPDATE answer, derive the session and verify the card.

    ``i_param`` is needed for SCP02 only (the card does not send it there). With ``sd_aid``, a
    pseudo-random card challenge is also checked against the sequence counter and that AID, as
    offline script preparation relies on it.
    """
    if len(init_response) > 11 and init_response[11] != scp:
        raise SecureChannelError(
            f"the card answered with SCP{init_response[11]:02X}, not the SCP{scp:02X} asked for"
        )
    session: SecureSession
    if scp == 3:
        iu = scp03.parse_init_update_response(init_response)
        if diversification:
            keys = diversify(keys, iu.kdd, diversification)
        assert iu.i_param is not None
        session = scp03.Scp03Session(keys, host_challenge, iu.card_challenge, i_param=iu.i_param)
        if sd_aid is not None and iu.sequence_counter is not None:
            expected = scp03.pseudo_random_challenge(
                keys, iu.sequence_counter, sd_aid, s16=session.s16
            )
            _check_challenge(expected, iu.card_challenge)
    elif scp == 2:
        iu = scp02.parse_init_update_response(init_response)
        if diversification:
            keys = diversify(keys, iu.kdd, diversification)
        assert iu.sequence_counter is not None
        session = scp02.Scp02Session(
            keys,
            host_challenge,
            iu.card_challenge,
            sequence_counter=iu.sequence_counter,
            i_param=0x15 if i_param is None else i_param,
        )
        if sd_aid is not None and session.i_param & scp02.I_PSEUDO_RANDOM:
            expected = scp02.pseudo_random_challenge(keys, iu.sequence_counter, sd_aid)
            _check_challenge(expected, iu.card_challenge)
    else:
        raise ValueError(f"unsupported SCP {scp!r}")
    if not compare_digest(session.card_cryptogram, iu.card_cryptogram):
        raise SecureChannelError("card cryptogram mismatch: wrong keys, or not the expected card")
    return session, iu


def open_secure_channel(
    transport: Transport,
    keys: KeySet,
    *,
    scp: int = 3,
    security_level: SecurityLevel = SecurityLevel.C_MAC,
    aid: bytes | None = None,
    key_version: int = 0,
    host_challenge: bytes | None = None,
    s16: bool = False,
    i_param: int | None = None,
    diversification: Diversification | None = None,
) -> SecureChannel:
    """SELECT ``aid`` (if given), INITIALIZE UPDATE, verify the card, EXTERNAL AUTHENTICATE.

    Raises :class:`SecureChannelError` (``.sw`` set when the card refused) on any failure.
    """
    if scp == 2 and s16:
        raise ValueError("S16 mode exists only in SCP03")
    t0 = T0Transport(transport)
    if aid is not None:
        select = CommandAPDU(0x00, 0xA4, 0x04, 0x00, aid, le=256)
        ResponseAPDU.parse(t0.transmit(select.to_bytes())).raise_for_status()
    n = 16 if s16 else 8
    if host_challenge is None:
        host_challenge = os.urandom(n)
    if len(host_challenge) != n:
        raise ValueError(f"the host challenge is {n} bytes in this mode")
    init = CommandAPDU(0x80, 0x50, key_version, 0x00, host_challenge, le=256)
    resp = ResponseAPDU.parse(t0.transmit(init.to_bytes()))
    if not resp.ok:
        raise SecureChannelError("INITIALIZE UPDATE refused", sw=resp.sw)
    session, iu = start_session(
        keys,
        resp.data,
        host_challenge,
        scp=scp,
        i_param=i_param,
        diversification=diversification,
        sd_aid=aid,
    )
    auth = session.external_authenticate(security_level)
    resp = ResponseAPDU.parse(t0.transmit(auth.to_bytes()))
    if not resp.ok:
        raise SecureChannelError("EXTERNAL AUTHENTICATE refused", sw=resp.sw)
    return SecureChannel(t0, session, iu)
