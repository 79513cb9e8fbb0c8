"""What the job knows about the card, and how each answer changes that knowledge.

Steps are planned from a `CardView`, never from hope: it starts from what verified steps left in
the database and is updated from every answer. When an answer shows the card is not what the
view says (a reply was lost, another system touched it), the view is marked unknown and the next
script is a read-only probe; the step is then rebuilt from what the card really holds.
"""

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from provisioning.engine.apdus import Cmd, Role
from provisioning.engine.segments import ISD, SSD, Built, Read
from provisioning.gp.apdu import ResponseAPDU
from provisioning.gp.carddata import KeyInformation, parse_sequence_counter
from provisioning.gp.errors import GPError, GPParseError
from provisioning.gp.keyload import check_put_key_response
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import LifeCycle, StatusScope, parse_status_response

ABSENT, PRESENT = "absent", "present"
SELECTABLE, PERSONALIZED, LOCKED, UNSELECTABLE = "selectable", "personalized", "locked", "unseen"


@dataclass
class CardView:
    # False: the card may differ from this view; read it (probe) before changing anything.
    known: bool = True
    ssd: str | None = None
    # The one key set version on the SSD (key handover and rotation replace, never add).
    ssd_version: int | None = None
    instance: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "CardView":
        return cls(**(data or {}))


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "rebuild", "retry" or "fail"
    code: str = ""
    message: str = ""


OK = Outcome("ok")


def rebuild(message: str) -> Outcome:
    return Outcome("rebuild", "card_state_changed", message)


def fail(code: str, message: str) -> Outcome:
    return Outcome("fail", code, message)


class Effects(Protocol):
    """What reading answers records beyond the view: counters and key custody."""

    def keyset(self, domain: str, version: int) -> KeySet: ...
    def counter_seen(self, domain: str, version: int | None, counter: int) -> None: ...
    def keys_confirmed(self, version: int) -> None: ...


def _instance_state(answer: ResponseAPDU) -> str:
    try:
        entries = parse_status_response(answer.data, StatusScope.APPLICATIONS)
    except GPParseError:
        return PRESENT
    if not entries:
        return ABSENT
    lifecycle = entries[0].lifecycle
    if lifecycle & LifeCycle.LOCKED:
        return LOCKED
    return PERSONALIZED if lifecycle == LifeCycle.PERSONALIZED else SELECTABLE


def _probe(view: CardView, built: Built, read: Read, effects: Effects) -> Outcome:
    ssd_seen = False
    for command, answer in read.answered:
        ok = answer.sw == 0x9000
        if command.role == Role.ISD_COUNTER and ok:
            effects.counter_seen(ISD, None, parse_sequence_counter(answer.data))
        elif command.role == Role.SELECT_SSD:
            ssd_seen = ok
            view.ssd, view.ssd_version = (PRESENT if ok else ABSENT), None
            if not ok:
                view.instance = ABSENT
        elif command.role == Role.SSD_KEYS_INFO and ok:
            versions = KeyInformation.parse(answer.data).versions
            view.ssd_version = min(versions) if versions else None
        elif command.role == Role.SSD_COUNTER and ok and view.ssd_version is not None:
            effects.counter_seen(SSD, view.ssd_version, parse_sequence_counter(answer.data))
        elif command.role == Role.SELECT_INSTANCE:
            view.instance = SELECTABLE if ok else UNSELECTABLE
    # A probe may stop early only where the stop is itself the answer: no SSD (6A82), an SSD
    # without keys (6A88 to C1), an instance that does not answer SELECT.
    informative = read.failed is not None and read.failed.role in (
        Role.SELECT_SSD,
        Role.SSD_COUNTER,
        Role.SELECT_INSTANCE,
    )
    if not (read.complete or informative):
        view.known = False
        return Outcome("retry", "ota_timeout", "the card's answers to the probe stopped short")
    if ssd_seen and view.instance is None:
        view.instance = UNSELECTABLE
    view.known = True
    return OK


def _last(built: Built, role: str) -> Cmd | None:
    return next((c for c in reversed(built.commands) if c.role == role), None)


def _success(
    view: CardView, built: Built, command: Cmd, answer: ResponseAPDU, effects: Effects
) -> Outcome | None:
    role, segment = command.role, built.segment
    if role == Role.INSTALL_SSD:
        view.ssd, view.ssd_version = PRESENT, None
    elif role == Role.SSD_KEYS and command is _last(built, Role.SSD_KEYS):
        view.ssd_version = segment.params["keys_version"]
    elif role == Role.STATUS_SSD:
        view.ssd = PRESENT
    elif role == Role.DELETE_SSD:
        view.ssd, view.ssd_version, view.instance = ABSENT, None, ABSENT
    elif role == Role.PUT_KEY:
        new = effects.keyset(SSD, segment.params["new_version"])
        try:
            check_put_key_response(answer.data, new)
        except GPError:
            return fail("key_mismatch", "PUT KEY: the card's key check values do not match")
        view.ssd_version = new.version
        effects.keys_confirmed(new.version)
    elif role == Role.INSTALL_APPLET:
        view.instance = SELECTABLE
    elif role == Role.LOCK:
        view.instance = LOCKED
    elif role == Role.UNLOCK:
        view.instance = PRESENT
    elif role == Role.DELETE_APPLET:
        view.instance = ABSENT
    elif role == Role.STATUS_APPLET:
        view.instance = _instance_state(answer)
    return None


def _refusal(view: CardView, built: Built, read: Read) -> Outcome:
    command, sw = read.failed, read.sw or 0
    assert command is not None
    label = f"{command.label} answered {sw:04X}"
    if sw == 0x6A84:
        return fail("se_memory_full", f"{label}: not enough memory")
    if sw == 0x6A81:
        return fail("se_locked", f"{label}: the card is locked")
    role = command.role
    if role == Role.EXTERNAL_AUTHENTICATE and not read.counter_expected:
        return rebuild(f"{label}: the card's sequence counter had moved on")
    if sw == 0x6982 or role == Role.EXTERNAL_AUTHENTICATE:
        return fail("key_mismatch", f"{label}: the card refused the keys")
    if role == Role.SELECT and built.segment.domain == ISD:
        return fail("card_refused", f"{label}: the issuer security domain is not selectable")
    if role in (Role.SELECT, Role.INITIALIZE_UPDATE) and sw in (0x6A82, 0x6A88):
        view.known = False
        return rebuild(f"{label}: the security domain or its key set is not what was recorded")
    if role == Role.INSTALL_SSD and sw == 0x6985:
        view.ssd, view.ssd_version, view.known = PRESENT, None, False
        return rebuild(f"{label}: the SSD is already there")
    if role in (Role.SSD_KEYS, Role.STATUS_SSD, Role.PUT_KEY):
        view.known = False
        return rebuild(f"{label}: re-reading the SSD")
    if role == Role.DELETE_SSD and sw == 0x6A88:
        view.ssd, view.ssd_version, view.instance = ABSENT, None, ABSENT
        return rebuild(f"{label}: the SSD was already gone")
    if role == Role.INSTALL_APPLET and sw == 0x6985:
        view.instance = PRESENT
        return rebuild(f"{label}: the instance is already there")
    if role in (Role.PERSONALISE, Role.LOCK, Role.UNLOCK) and sw == 0x6985:
        # Personalisation is refused to a locked instance; lock and unlock to one already so.
        view.instance = LOCKED if role == Role.PERSONALISE else PRESENT
        return rebuild(f"{label}: the instance is not in the state recorded")
    if (
        role in (Role.PERSONALISE, Role.LOCK, Role.UNLOCK, Role.DELETE_APPLET, Role.STATUS_APPLET)
        and sw == 0x6A88
    ):
        view.instance = ABSENT
        return rebuild(f"{label}: the instance is not on the card")
    return fail("card_refused", label)


def _confirms_deletion(ops: list[str], role: str) -> bool:
    """GET STATUS answering "not found" right after a DELETE is the proof it was deleted."""
    return (role == Role.STATUS_SSD and "delete_ssd" in ops) or (
        role == Role.STATUS_APPLET and "delete" in ops
    )


def apply(view: CardView, built: Built, read: Read, effects: Effects) -> Outcome:
    """Update `view` (and custody, through `effects`) from one segment's answers."""
    segment = built.segment
    if segment.session and read.counter is not None:
        effects.counter_seen(segment.domain, segment.key_version, read.counter)
    if read.forged:
        return fail("key_mismatch", "the card's cryptogram or R-MAC did not verify")
    if "probe" in segment.ops:
        return _probe(view, built, read, effects)
    for command, answer in read.answered:
        if answer.sw != 0x9000:
            break
        outcome = _success(view, built, command, answer, effects)
        if outcome is not None:
            return outcome
    if read.failed is not None:
        if read.sw == 0x6A88 and _confirms_deletion(segment.ops, read.failed.role):
            if read.failed.role == Role.STATUS_SSD:
                view.ssd, view.ssd_version = ABSENT, None
            view.instance = ABSENT
            return OK
        return _refusal(view, built, read)
    if not read.complete:
        # Cut off mid-segment: what ran is unknown beyond the answers we have.
        view.known = False
        return Outcome("retry", "ota_timeout", "the card's answers stopped mid-script")
    return OK
