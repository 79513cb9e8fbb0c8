"""Offline script preparation: a whole secure session computed before the card is reached.

With a pseudo-random card challenge (SCP03 i = 1x/3x/7x, SCP02 i = 4x/5x/7x) and a tracked
sequence counter, the host knows the card's INITIALIZE UPDATE answer in advance. So SELECT,
INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and every wrapped command travel in ONE network round
trip (Amendment D §3), and :meth:`PreparedSession.verify` checks the card's answers afterwards.

``sequence_counter`` is the value the card holds now (what GET DATA 'C1' reports and what
:class:`~provisioning.gp.card_sm.CardSecureChannel` persists). A job that resumes in another worker
rebuilds the same bytes by calling :func:`prepare_session` again with the stored
``host_challenge``: preparation is deterministic, and keys never leave the keystore in between.
"""

from __future__ import annotations

import os
from hmac import compare_digest

from provisioning.gp import scp02, scp03
from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.errors import GPError, SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.sm import SecureSession, SecurityLevel

__all__ = ["PreparedSession", "prepare_session"]


class PreparedSession:
    """The APDUs of one session, and what is needed to check the card's answers."""

    def __init__(
        self,
        *,
        keys: KeySet,
        scp: int,
        i_param: int,
        security_level: SecurityLevel,
        sequence_counter: int,
        sd_aid: bytes,
        host_challenge: bytes,
        commands: list[CommandAPDU],
        select_aid: bool,
    ) -> None:
        self._keys = keys
        self.scp = scp
        self.i_param = i_param
        self.security_level = security_level
        self.sequence_counter = sequence_counter
        self.sd_aid = sd_aid
        self.host_challenge = host_challenge
        self._commands = commands
        self._select = select_aid
        session = self._new_session()
        self._expected_card_cryptogram = session.card_cryptogram
        head = []
        if select_aid:
            head.append(CommandAPDU(0x00, 0xA4, 0x04, 0x00, sd_aid, le=256).to_bytes())
        head.append(CommandAPDU(0x80, 0x50, keys.version, 0x00, host_challenge, le=256).to_bytes())
        head.append(session.external_authenticate(security_level).to_bytes())
        self.apdus: list[bytes] = head + [session.wrap_command(c).to_bytes() for c in commands]

    def __repr__(self) -> str:
        return (
            f"PreparedSession(scp={self.scp:02X}, i={self.i_param:02X},"
            f" level={int(self.security_level):02X}, seq={self.session_counter},"
            f" {len(self._commands)} commands)"
        )

    @property
    def session_counter(self) -> int:
        """The counter value the session uses (SCP03 increments before use, SCP02 does not)."""
        return self.sequence_counter + 1 if self.scp == 3 else self.sequence_counter

    @property
    def next_sequence_counter(self) -> int:
        """What the card holds once the session has been authenticated: persist this."""
        return self.sequence_counter + 1

    def _challenge(self) -> bytes:
        if self.scp == 3:
            return scp03.pseudo_random_challenge(
                self._keys, self.session_counter, self.sd_aid, s16=bool(self.i_param & 1)
            )
        return scp02.pseudo_random_challenge(self._keys, self.session_counter, self.sd_aid)

    def _new_session(self) -> SecureSession:
        challenge = self._challenge()
        if self.scp == 3:
            return scp03.Scp03Session(
                self._keys, self.host_challenge, challenge, i_param=self.i_param
            )
        return scp02.Scp02Session(
            self._keys,
            self.host_challenge,
            challenge,
            sequence_counter=self.session_counter,
            i_param=self.i_param,
        )

    def verify(self, responses: list[bytes]) -> list[bytes]:
        """Check the card's answers, in order, and return the plain answers to the commands.

        A card may stop early (fewer responses than APDUs). Raises :class:`GPError` if a
        handshake step failed, and :class:`SecureChannelError` on a wrong card cryptogram or
        R-MAC, or when the card aborted the session (6982).
        """
        if len(responses) > len(self.apdus):
            raise GPError(f"{len(responses)} responses for {len(self.apdus)} commands")
        answers = [ResponseAPDU.parse(r) for r in responses]
        head = 3 if self._select else 2
        if len(answers) < head:
            raise GPError("the card's answers stop before the session was authenticated")
        if self._select:
            answers.pop(0).raise_for_status()
        self._check_init_update(answers.pop(0))
        auth = answers.pop(0)
        if not auth.ok:
            raise SecureChannelError("EXTERNAL AUTHENTICATE refused", sw=auth.sw)
        session = self._new_session()
        session.external_authenticate(self.security_level)
        plain = []
        for command, answer in zip(self._commands, answers, strict=False):
            session.wrap_command(command)
            if answer.sw == 0x6982:
                raise SecureChannelError("the card aborted the secure channel", sw=answer.sw)
            plain.append(session.unwrap_response(answer).to_bytes())
        return plain

    def _check_init_update(self, answer: ResponseAPDU) -> None:
        if not answer.ok:
            raise SecureChannelError("INITIALIZE UPDATE refused", sw=answer.sw)
        if self.scp == 3:
            iu = scp03.parse_init_update_response(answer.data)
        else:
            iu = scp02.parse_init_update_response(answer.data)
        if iu.sequence_counter != self.session_counter:
            raise SecureChannelError(
                f"the card used sequence counter {iu.sequence_counter}, the script was prepared"
                f" for {self.session_counter}: resynchronise the counter and prepare again"
            )
        if not compare_digest(iu.card_cryptogram, self._expected_card_cryptogram):
            raise SecureChannelError("card cryptogram mismatch: wrong keys, or not the card")


def prepare_session(
    keys: KeySet,
    *,
    scp: int,
    security_level: SecurityLevel,
    sequence_counter: int,
    sd_aid: bytes,
    commands: list[bytes],
    host_challenge: bytes | None = None,
    select_aid: bool = True,
    s16: bool = False,
    i_param: int | None = None,
) -> PreparedSession:
    """Compute a whole session for a card that uses pseudo-random challenges.

    ``i_param`` defaults to 70 (SCP03, plus 01 with ``s16``) or 55 (SCP02); it must name a
    pseudo-random mode, and must allow ``security_level`` (e.g. R-MAC needs SCP02 i = 75).
    """
    if scp == 3:
        i = (0x70 if i_param is None else i_param) | (scp03.I_S16 if s16 else 0)
        scp03.check_i_param(i)
        pseudo = i & scp03.I_PSEUDO_RANDOM
        n = 16 if s16 else 8
    elif scp == 2:
        if s16:
            raise ValueError("S16 mode exists only in SCP03")
        i = 0x55 if i_param is None else i_param
        scp02.check_i_param(i)
        pseudo = i & scp02.I_PSEUDO_RANDOM
        n = 8
    else:
        raise ValueError(f"unsupported SCP {scp!r}")
    if not pseudo:
        raise ValueError(f"i={i:02X} uses random card challenges: a session cannot be prepared")
    if host_challenge is None:
        host_challenge = os.urandom(n)
    if len(host_challenge) != n:
        raise ValueError(f"the host challenge is {n} bytes in this mode")
    return PreparedSession(
        keys=keys,
        scp=scp,
        i_param=i,
        security_level=SecurityLevel(security_level),
        sequence_counter=sequence_counter,
        sd_aid=bytes(sd_aid),
        host_challenge=bytes(host_challenge),
        commands=[CommandAPDU.parse(c) for c in commands],
        select_aid=select_aid,
    )
