"""Card content management on the virtual card: INSTALL (every variant) and LOAD.

Every handler validates everything before it changes anything, so a refused command (any SW
other than 9000) leaves the card exactly as it was.
"""

from __future__ import annotations

import hashlib

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.errors import GPParseError
from provisioning.gp.install import SSD_LOAD_FILE, SSD_MODULE, parse_install_parameters
from provisioning.gp.registry import LifeCycle, Privilege
from provisioning.gp.simulator.catalog import parse_cap
from provisioning.gp.simulator.context import Context, PendingLoad
from provisioning.gp.simulator.model import (
    SUPPORTED_I,
    Application,
    CardContent,
    CardStatus,
    LoadFile,
)
from provisioning.gp.tlv import parse_tlvs

__all__ = ["OK", "OK_NO_RECEIPT", "install", "load"]

OK = ResponseAPDU(b"", 0x9000)
# DELETE and INSTALL answer one 00 byte: "no receipt" (no delegated management here).
OK_NO_RECEIPT = ResponseAPDU(b"\x00", 0x9000)

# Simulated footprint of a supplementary security domain (registry entry, key slots).
SSD_NV = 1_024
SSD_VOLATILE = 128


class _Fields:
    """Reads the length-prefixed fields of an INSTALL data field; any mismatch answers 6A80."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def lv(self) -> bytes:
        if self._pos >= len(self._data):
            raise CardStatus(0x6A80)
        n = self._data[self._pos]
        value = self._data[self._pos + 1 : self._pos + 1 + n]
        if len(value) != n:
            raise CardStatus(0x6A80)
        self._pos += 1 + n
        return value

    def end(self) -> None:
        if self._pos != len(self._data):
            raise CardStatus(0x6A80)


def _aid(value: bytes) -> bytes:
    if not 5 <= len(value) <= 16:
        raise CardStatus(0x6A80)
    return value


def _privileges(raw: bytes) -> Privilege:
    if not raw:
        return Privilege.NONE
    try:
        return Privilege.parse(raw)
    except GPParseError:
        raise CardStatus(0x6A80) from None


# -- INSTALL -------------------------------------------------------------------------------


def install(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    # b8 of P1 only announces further INSTALL commands; it changes nothing here.
    p1 = cmd.p1 & 0x7F
    if cmd.p2 != 0x00:
        raise CardStatus(0x6A86)
    if p1 == 0x20:
        return _install_for_personalization(ctx, cmd.data)
    sd = ctx.managing_domain()
    if p1 == 0x02:
        return _install_for_load(ctx, sd, cmd.data)
    if p1 in (0x04, 0x0C):
        return _install_instance(ctx, sd, cmd.data, selectable=p1 == 0x0C)
    if p1 == 0x08:
        return _make_selectable(ctx, sd, cmd.data)
    if p1 == 0x10:
        return _extradite(ctx, sd, cmd.data)
    raise CardStatus(0x6A86)


def _install_for_load(ctx: Context, sd: Application, data: bytes) -> ResponseAPDU:
    fields = _Fields(data)
    aid, sd_aid, block_hash, params, _token = (fields.lv() for _ in range(5))
    fields.end()
    content = ctx.content
    _aid(aid)
    if aid in content.load_files or aid in content.applications:
        raise CardStatus(0x6985)
    target = content.applications.get(sd_aid or sd.aid)
    if target is None or not target.is_sd:
        raise CardStatus(0x6A88)
    if not ctx.may_manage(sd, target.aid):
        raise CardStatus(0x6982)
    if len(block_hash) not in (0, 20, 32):
        raise CardStatus(0x6A80)
    code = _declared_code_size(params)
    # Refuse early when the declared code size cannot fit, before any LOAD block travels.
    ctx.allocate(target.aid, code, 0)
    ctx.load = PendingLoad(aid, target.aid, block_hash)
    return OK_NO_RECEIPT


def _declared_code_size(params: bytes) -> int:
    try:
        for tlv in parse_tlvs(params):
            if tlv.tag == 0xEF:
                for item in parse_tlvs(tlv.value):
                    if item.tag == 0xC6 and 0 < len(item.value) <= 4:
                        return int.from_bytes(item.value, "big")
    except GPParseError:
        raise CardStatus(0x6A80) from None
    return 0


def _install_instance(
    ctx: Context, sd: Application, data: bytes, *, selectable: bool
) -> ResponseAPDU:
    fields = _Fields(data)
    elf_aid, module_aid, instance_aid, raw_privileges, raw_params, _token = (
        fields.lv() for _ in range(6)
    )
    fields.end()
    content = ctx.content
    elf = content.load_files.get(elf_aid)
    if elf is None or module_aid not in elf.modules:
        raise CardStatus(0x6A88)
    aid = _aid(instance_aid or module_aid)
    if aid in content.applications or aid in content.load_files:
        raise CardStatus(0x6985)
    privileges = _privileges(raw_privileges)
    try:
        params = parse_install_parameters(raw_params)
    except GPParseError:
        raise CardStatus(0x6A80) from None
    is_sd = elf_aid == SSD_LOAD_FILE and module_aid == SSD_MODULE
    if is_sd != bool(privileges & Privilege.SECURITY_DOMAIN):
        raise CardStatus(0x6A80)
    app = Application(
        aid=aid,
        load_file=elf_aid,
        module=module_aid,
        associated_sd=sd.aid,
        lifecycle=LifeCycle.SELECTABLE if selectable else LifeCycle.INSTALLED,
        privileges=privileges,
        nv_used=SSD_NV if is_sd else elf.instance_nv,
        volatile_used=SSD_VOLATILE if is_sd else elf.instance_volatile,
    )
    if is_sd:
        isd = content.isd
        scp, i_param = params.scp_options[0] if params.scp_options else (isd.scp, isd.i_param)
        if i_param not in SUPPORTED_I.get(scp, ()):
            raise CardStatus(0x6A80)
        # An SSD starts without keys: the SEM personalises its first key set (DGI 00B9/8113).
        app.keysets, app.scp, app.i_param = {}, scp, i_param
        app.nv_quota, app.v_quota = params.nv_quota, params.v_quota
    ctx.allocate(sd.aid, app.nv_used, app.volatile_used)
    content.applications[aid] = app
    return OK_NO_RECEIPT


def _make_selectable(ctx: Context, sd: Application, data: bytes) -> ResponseAPDU:
    fields = _Fields(data)
    _, _, aid, raw_privileges, _params, _token = (fields.lv() for _ in range(6))
    fields.end()
    app = ctx.managed_application(sd, aid)
    if app.lifecycle != LifeCycle.INSTALLED:
        raise CardStatus(0x6985)
    if raw_privileges:
        privileges = _privileges(raw_privileges)
        if bool(privileges & Privilege.SECURITY_DOMAIN) != app.is_sd:
            raise CardStatus(0x6A80)
        app.privileges = privileges
    app.lifecycle = LifeCycle.SELECTABLE
    return OK_NO_RECEIPT


def _extradite(ctx: Context, sd: Application, data: bytes) -> ResponseAPDU:
    fields = _Fields(data)
    new_sd_aid, _, aid, _params, _token = (fields.lv() for _ in range(5))
    fields.end()
    content = ctx.content
    new_sd = content.applications.get(new_sd_aid)
    if new_sd is None or not new_sd.is_sd:
        raise CardStatus(0x6A88)
    moving: Application | LoadFile | None = content.applications.get(aid) or (
        content.load_files.get(aid)
    )
    if moving is None or moving.aid == content.isd_aid:
        raise CardStatus(0x6A88)
    if not ctx.may_manage(sd, moving.associated_sd) or not ctx.may_manage(sd, new_sd.aid):
        raise CardStatus(0x6982)
    if moving.aid in (new_sd.aid, *[d.aid for d in content.domain_chain(new_sd.aid)]):
        raise CardStatus(0x6985)  # a domain cannot move under itself
    previous = moving.associated_sd
    moving.associated_sd = new_sd.aid
    # The bytes stay where they are on the card; only the new domain's quotas can object.
    if not _within_quotas(content, new_sd.aid):
        moving.associated_sd = previous
        raise CardStatus(0x6A84)
    return OK_NO_RECEIPT


def _within_quotas(content: CardContent, sd_aid: bytes) -> bool:
    for sd in content.domain_chain(sd_aid):
        used_nv, used_v = content.domain_usage(sd.aid)
        if sd.nv_quota is not None and used_nv > sd.nv_quota:
            return False
        if sd.v_quota is not None and used_v > sd.v_quota:
            return False
    return True


def _install_for_personalization(ctx: Context, data: bytes) -> ResponseAPDU:
    sd = ctx.session_domain()
    fields = _Fields(data)
    _, _, aid = fields.lv(), fields.lv(), fields.lv()
    app = ctx.managed_application(sd, aid)
    if app.locked:
        raise CardStatus(0x6985)
    ctx.perso_target = app.aid
    ctx.store_next_block, ctx.store_buffer = 0, b""
    return OK_NO_RECEIPT


# -- LOAD ----------------------------------------------------------------------------------


def load(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    ctx.managing_domain()
    pending = ctx.load
    if pending is None:
        raise CardStatus(0x6985)
    if cmd.p1 not in (0x00, 0x80) or cmd.p2 != pending.next_block:
        raise CardStatus(0x6A86)
    if cmd.p1 == 0x00:
        if pending.next_block == 0xFF:
            raise CardStatus(0x6A86)
        pending.data += cmd.data
        pending.next_block += 1
        return OK
    # Whatever happens now, this load is over.
    ctx.load = None
    stream = bytes(pending.data + cmd.data)
    try:
        blocks = {t.tag: t.value for t in parse_tlvs(stream)}
        code = blocks[0xC4]
        package, applets = parse_cap(code)
    except (GPParseError, KeyError):
        raise CardStatus(0x6A80) from None
    if pending.block_hash:
        algorithm = hashlib.sha1 if len(pending.block_hash) == 20 else hashlib.sha256
        if algorithm(code).digest() != pending.block_hash:
            raise CardStatus(0x6A80)
    if package != pending.aid:
        raise CardStatus(0x6A80)
    ctx.allocate(pending.sd_aid, len(code), 0)
    ctx.content.load_files[package] = LoadFile(package, applets, len(code), pending.sd_aid)
    return OK
