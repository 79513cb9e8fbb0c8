"""Scripts as segments: plain reads, or one prepared secure session to one security domain.

A step's script is one or more segments sent in one OTA exchange. Each session segment is
prepared offline (`prepare_session`: SELECT, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE and the
wrapped commands) from the key set and the sequence counter the card holds; its spec (`Segment`)
is saved with the job, host challenge included, so the worker that reads the answers rebuilds
the same session byte for byte and verifies the card's cryptogram and R-MACs. No session key is
ever stored.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from provisioning.engine import apdus
from provisioning.engine.apdus import Cmd, KeyEncryption, Role
from provisioning.gp import scp02, scp03
from provisioning.gp.apdu import ResponseAPDU
from provisioning.gp.commands import Dgi
from provisioning.gp.errors import GPError, GPParseError, SecureChannelError
from provisioning.gp.keys import KeySet
from provisioning.gp.offline import PreparedSession, prepare_session
from provisioning.gp.registry import Privilege
from provisioning.gp.simulator.catalog import PreloadedProduct
from provisioning.gp.sm import SecurityLevel

ISD, SSD = "isd", "ssd"
# The i an SSD is created with: pseudo-random challenges, so every SP TSM session can be
# prepared offline; SCP03 with R-MAC and R-ENC.
SSD_I = {3: 0x70, 2: 0x55}


def pseudo_random(scp: int, i_param: int) -> bool:
    return bool(i_param & (scp03.I_PSEUDO_RANDOM if scp == 3 else scp02.I_PSEUDO_RANDOM))


def security_level(scp: int, i_param: int) -> SecurityLevel:
    """Command MAC and encryption always; response MAC and encryption where `i` allows."""
    level = SecurityLevel.C_MAC | SecurityLevel.C_DECRYPTION
    if i_param & 0x20:
        level |= SecurityLevel.R_MAC
        if scp == 3 and i_param & 0x40:
            level |= SecurityLevel.R_ENCRYPTION
    return SecurityLevel(level)


@dataclass
class Segment:
    """What to send to one security domain: JSON-able, saved with the job."""

    name: str
    domain: str
    ops: list[str]
    session: bool = True
    key_version: int | None = None
    # The counter the card holds for that key set before this session (prepare_session's
    # `sequence_counter`), and the host challenge, set when first built.
    counter: int | None = None
    host_challenge: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Segment":
        return cls(**data)


class Materials(Protocol):
    """What building a segment needs from the job: addresses, keys, card data (lazily)."""

    scp: int
    isd_i: int
    isd_aid: bytes
    ssd_aid: bytes
    instance_aid: bytes | None

    def keyset(self, domain: str, version: int) -> KeySet: ...
    def ssd_template(self) -> tuple[Privilege, int, int]: ...
    def product(self) -> PreloadedProduct: ...
    def personalisation(self) -> list[Dgi]: ...


@dataclass
class Built:
    segment: Segment
    commands: list[Cmd]
    apdus: list[bytes]
    prepared: PreparedSession | None = None

    @property
    def head(self) -> int:
        """Handshake commands prepare_session puts in front (SELECT, IU, EA)."""
        return 3 if self.prepared is not None else 0


def _i(materials: Materials, domain: str) -> int:
    return materials.isd_i if domain == ISD else SSD_I[materials.scp]


def _commands(materials: Materials, segment: Segment, crypt: KeyEncryption | None) -> list[Cmd]:
    m, out = materials, []
    for op in segment.ops:
        if op == "probe":
            out += apdus.probe(m.isd_aid, m.ssd_aid, m.instance_aid)
        elif op == "create_ssd":
            privileges, nv_quota, v_quota = m.ssd_template()
            out.append(
                apdus.install_ssd(
                    m.ssd_aid,
                    privileges=privileges,
                    nv_quota=nv_quota,
                    v_quota=v_quota,
                    scp=m.scp,
                    i_param=SSD_I[m.scp],
                )
            )
        elif op == "ssd_keys":
            keys = m.keyset(SSD, segment.params["keys_version"])
            out += apdus.ssd_initial_keys(m.ssd_aid, keys, crypt.key)  # type: ignore[union-attr]
        elif op == "status_ssd":
            out.append(apdus.status(m.ssd_aid, Role.STATUS_SSD))
        elif op == "delete_ssd":
            out.append(apdus.delete_ssd(m.ssd_aid))
        elif op == "put_key":
            new = m.keyset(SSD, segment.params["new_version"])
            out.append(apdus.replace_keys(new, segment.key_version, crypt.key))  # type: ignore[arg-type,union-attr]
        elif op == "install":
            out.append(apdus.install_applet(m.product(), m.instance_aid))  # type: ignore[arg-type]
        elif op == "personalise":
            out += apdus.personalise(m.instance_aid, m.personalisation(), crypt.sensitive)  # type: ignore[arg-type,union-attr]
        elif op == "lock":
            out.append(apdus.lock_applet(m.instance_aid))  # type: ignore[arg-type]
        elif op == "unlock":
            out.append(apdus.unlock_applet(m.instance_aid))  # type: ignore[arg-type]
        elif op == "delete":
            out.append(apdus.delete_applet(m.instance_aid))  # type: ignore[arg-type]
        elif op == "status":
            out.append(apdus.status(m.instance_aid, Role.STATUS_APPLET))  # type: ignore[arg-type]
        else:
            raise ValueError(f"unknown segment operation {op!r}")
    return out


def build(materials: Materials, segment: Segment) -> Built:
    """The segment's APDUs; a session segment gets (and keeps) its host challenge."""
    if not segment.session:
        commands = _commands(materials, segment, None)
        return Built(segment, commands, [c.apdu for c in commands])
    scp, i_param = materials.scp, _i(materials, segment.domain)
    keys = materials.keyset(segment.domain, segment.key_version)  # type: ignore[arg-type]
    counter = segment.counter or 0
    session_counter = counter + 1 if scp == 3 else counter
    crypt = KeyEncryption(keys, scp=scp, i_param=i_param, session_counter=session_counter)
    commands = _commands(materials, segment, crypt)
    aid = materials.isd_aid if segment.domain == ISD else materials.ssd_aid
    prepared = prepare_session(
        keys,
        scp=scp,
        security_level=security_level(scp, i_param),
        sequence_counter=counter,
        sd_aid=aid,
        commands=[c.apdu for c in commands],
        host_challenge=bytes.fromhex(segment.host_challenge) if segment.host_challenge else None,
        i_param=i_param,
    )
    segment.host_challenge = prepared.host_challenge.hex()
    return Built(segment, commands, list(prepared.apdus), prepared)


# -- reading the answers ------------------------------------------------------------------


@dataclass
class Read:
    """What one segment's answers say."""

    reached: bool = False
    complete: bool = False
    # (command, plain answer) for every command the card answered, in order.
    answered: list[tuple[Cmd, ResponseAPDU]] = field(default_factory=list)
    # The command that stopped the script and its status word (None when complete or cut off).
    failed: Cmd | None = None
    sw: int | None = None
    # The counter the card holds for the session's key set after this segment, when known.
    counter: int | None = None
    counter_expected: bool = True
    # A session whose cryptogram or R-MAC did not verify: the card is not who we think.
    forged: bool = False


_IU = Cmd(b"", "INITIALIZE UPDATE", Role.INITIALIZE_UPDATE)
_EA = Cmd(b"", "EXTERNAL AUTHENTICATE", Role.EXTERNAL_AUTHENTICATE)
_SELECT = Cmd(b"", "SELECT", Role.SELECT)


def _iu_counter(scp: int, answer: ResponseAPDU) -> int | None:
    try:
        parsed = (scp03 if scp == 3 else scp02).parse_init_update_response(answer.data)
    except GPParseError:
        return None
    return parsed.sequence_counter


def _stopped(answer: ResponseAPDU) -> bool:
    return not (answer.sw == 0x9000 or answer.sw >> 8 in (0x61, 0x62, 0x63))


def read(built: Built, raw: list[bytes], *, scp: int) -> Read:
    out = Read(reached=bool(raw))
    answers = [ResponseAPDU.parse(r) for r in raw]
    prepared = built.prepared
    if prepared is None:
        for command, answer in zip(built.commands, answers, strict=False):
            out.answered.append((command, answer))
            if _stopped(answer):
                out.failed, out.sw = command, answer.sw
                return out
        out.complete = len(answers) == len(built.commands)
        return out
    if not answers:
        return out
    if answers[0].sw != 0x9000:
        out.failed, out.sw = _SELECT, answers[0].sw
        return out
    if len(answers) < 2:
        return out
    if answers[1].sw != 0x9000:
        out.failed, out.sw = _IU, answers[1].sw
        return out
    seen = _iu_counter(scp, answers[1])
    out.counter_expected = seen == prepared.session_counter
    if len(answers) < 3:
        out.counter = seen
        return out
    if answers[2].sw != 0x9000:
        # SCP03 counts a session at INITIALIZE UPDATE; SCP02 only once authenticated.
        out.counter = seen
        out.failed, out.sw = _EA, answers[2].sw
        return out
    out.counter = seen if scp == 3 else (seen or 0) + 1
    try:
        plain = prepared.verify(raw)
    except SecureChannelError as exc:
        out.forged = exc.sw != 0x6982
        # A 6982 mid-session: the card dropped the channel at that command.
        position = len(answers) - built.head - 1
        out.failed = built.commands[position] if 0 <= position < len(built.commands) else _EA
        out.sw = exc.sw
        return out
    except GPError:
        out.forged = True
        return out
    for command, answer in zip(built.commands, plain, strict=False):
        parsed = ResponseAPDU.parse(answer)
        out.answered.append((command, parsed))
        if _stopped(parsed):
            out.failed, out.sw = command, parsed.sw
            return out
    out.complete = len(plain) == len(built.commands)
    return out
