"""Life cycle commands on the virtual card: DELETE and SET STATUS.

As everywhere on the card, each command is checked whole before anything changes.
"""

from __future__ import annotations

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.registry import CardLifeCycle, LifeCycle
from provisioning.gp.simulator.content import OK, OK_NO_RECEIPT
from provisioning.gp.simulator.context import Context
from provisioning.gp.simulator.model import Application, CardStatus
from provisioning.gp.tlv import parse_tlvs

__all__ = ["delete", "set_status"]

_CARD_TRANSITIONS = {
    CardLifeCycle.OP_READY: {CardLifeCycle.INITIALIZED, CardLifeCycle.SECURED},
    CardLifeCycle.INITIALIZED: {CardLifeCycle.SECURED},
    CardLifeCycle.SECURED: {CardLifeCycle.CARD_LOCKED},
    CardLifeCycle.CARD_LOCKED: {CardLifeCycle.SECURED},
}


# -- DELETE --------------------------------------------------------------------------------


def delete(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    sd = ctx.managing_domain()
    if cmd.p1 != 0x00 or cmd.p2 not in (0x00, 0x80):
        raise CardStatus(0x6A86)
    try:
        fields = {t.tag: t.value for t in parse_tlvs(cmd.data)}
    except GPParseError:
        raise CardStatus(0x6A80) from None
    if 0x4F in fields:
        _delete_object(ctx, sd, fields[0x4F], related=cmd.p2 == 0x80)
    elif 0xD2 in fields:
        version = fields[0xD2]
        if len(version) != 1 or len(fields.get(0xD0, b"\x00")) != 1:
            raise CardStatus(0x6A80)
        # Key sets stay whole here: D0 (key identifier) narrows nothing further.
        if sd.keysets is None or sd.keysets.pop(version[0], None) is None:
            raise CardStatus(0x6A88)
    else:
        raise CardStatus(0x6A80)
    return OK_NO_RECEIPT


def _delete_object(ctx: Context, sd: Application, aid: bytes, *, related: bool) -> None:
    content = ctx.content
    if aid in (content.isd_aid, sd.aid):
        raise CardStatus(0x6985)
    if aid in content.load_files:
        elf = content.load_files[aid]
        owner = elf.associated_sd
        dependants = [a.aid for a in content.applications.values() if a.load_file == aid]
    elif aid in content.applications:
        owner = content.applications[aid].associated_sd
        dependants = content.dependants(aid)
    else:
        raise CardStatus(0x6A88)
    if not ctx.may_manage(sd, owner):
        raise CardStatus(0x6982)
    if dependants and not related:
        raise CardStatus(0x6985)
    doomed = content.closure(aid)
    if any(d in (content.isd_aid, sd.aid) for d in doomed):
        raise CardStatus(0x6985)
    for victim in doomed:
        content.applications.pop(victim, None)
        content.load_files.pop(victim, None)
    if ctx.perso_target in doomed:
        ctx.perso_target = None


# -- SET STATUS ----------------------------------------------------------------------------


def set_status(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    if cmd.p1 == 0x80:
        return _set_card_status(ctx, cmd)
    if cmd.p1 not in (0x40, 0x60):
        raise CardStatus(0x6A86)
    sd = ctx.managing_domain()
    target = ctx.managed_application(sd, cmd.data)
    if target.aid == sd.aid:
        raise CardStatus(0x6985)
    with_applications = cmd.p1 == 0x60
    if with_applications and not target.is_sd:
        raise CardStatus(0x6A80)
    new_state = _transition(target, cmd.p2)
    targets = [target]
    if with_applications:
        targets += [
            ctx.content.applications[aid]
            for aid in ctx.content.closure(target.aid)
            if aid in ctx.content.applications and aid != target.aid
        ]
    target.lifecycle = new_state
    for app in targets[1:]:
        locking = bool(cmd.p2 & LifeCycle.LOCKED)
        if app.locked != locking:
            app.lifecycle = (
                (app.lifecycle | LifeCycle.LOCKED) if locking else (app.lifecycle & 0x7F)
            )
    return OK


def _transition(app: Application, p2: int) -> int:
    if p2 & LifeCycle.LOCKED:
        if app.locked:
            raise CardStatus(0x6985)
        return app.lifecycle | LifeCycle.LOCKED
    if p2 == 0x00:
        if not app.locked:
            raise CardStatus(0x6985)
        return app.lifecycle & 0x7F
    # A domain may declare itself personalised; application-specific states belong to the
    # application itself, not to a security domain.
    if app.is_sd and p2 == LifeCycle.PERSONALIZED and app.lifecycle == LifeCycle.SELECTABLE:
        return p2
    raise CardStatus(0x6A80)


def _set_card_status(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    sd = ctx.session_domain()
    content = ctx.content
    if sd.aid != content.isd_aid:
        raise CardStatus(0x6982)
    if cmd.data and cmd.data != content.isd_aid:
        raise CardStatus(0x6A80)
    try:
        current, wanted = CardLifeCycle(content.isd.lifecycle), CardLifeCycle(cmd.p2)
    except ValueError:
        raise CardStatus(0x6A80) from None
    if wanted is not CardLifeCycle.TERMINATED and wanted not in _CARD_TRANSITIONS.get(
        current, set()
    ):
        raise CardStatus(0x6985)
    content.isd.lifecycle = wanted
    return OK
