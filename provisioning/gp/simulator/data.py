"""Data commands on the virtual card: GET DATA, GET STATUS, PUT KEY and STORE DATA."""

from __future__ import annotations

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.carddata import (
    CardCapabilities,
    CardRecognitionData,
    CardResources,
    KeyInfo,
    KeyInformation,
)
from provisioning.gp.commands import (
    STORE_BER_TLV,
    STORE_DGI,
    STORE_ENCRYPTED,
    STORE_LAST_BLOCK,
    parse_dgis,
    split_dgis,
)
from provisioning.gp.crypto import kcv_aes, kcv_des
from provisioning.gp.errors import GPError, GPParseError
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import LifeCycle, Privilege, StatusScope
from provisioning.gp.simulator.context import Context
from provisioning.gp.simulator.model import SUPPORTED_I, Application, CardStatus, KeyRecord
from provisioning.gp.tlv import encode_tlv, parse_tlvs

__all__ = ["get_data", "get_status", "put_key", "store_data"]

_KEY_TYPES = {0x88: "aes", 0x80: "des"}
_KEY_TYPE_FOR_SCP = {3: 0x88, 2: 0x80}
_DGI_KEY_CONTROL = 0x00B9
_DGI_KEY_VALUE = 0x8113

_SSD_PRIVILEGES = (
    Privilege.SECURITY_DOMAIN
    | Privilege.DELEGATED_MANAGEMENT
    | Privilege.AUTHORIZED_MANAGEMENT
    | Privilege.TRUSTED_PATH
    | Privilege.GLOBAL_REGISTRY
    | Privilege.RECEIPT_GENERATION
)
_APPLICATION_PRIVILEGES = (
    Privilege.CVM_MANAGEMENT | Privilege.CONTACTLESS_ACTIVATION | Privilege.FINAL_APPLICATION
)


def _ok(data: bytes = b"") -> ResponseAPDU:
    return ResponseAPDU(data, 0x9000)


# -- GET DATA ------------------------------------------------------------------------------


def get_data(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    content = ctx.content
    sd = content.applications[ctx.selected]
    tag = cmd.p1 << 8 | cmd.p2
    keysets = sd.keysets or {}
    if tag == 0x42:
        return _ok(encode_tlv(0x42, content.iin))
    if tag == 0x45:
        return _ok(encode_tlv(0x45, content.cin))
    if tag == 0x66:
        return _ok(
            CardRecognitionData(
                content.gp_version, sd.scp, sd.i_param, content.contactless
            ).to_bytes()
        )
    if tag == 0x67:
        options = tuple((scp, values) for scp, values in SUPPORTED_I.items())
        return _ok(
            CardCapabilities(
                options, _SSD_PRIVILEGES, _APPLICATION_PRIVILEGES, b"\x01\x02"
            ).to_bytes()
        )
    if tag == 0xE0:
        infos = tuple(
            KeyInfo(key_id, record.keys.version, _KEY_TYPE_FOR_SCP[sd.scp], record.keys.key_length)
            for record in keysets.values()
            for key_id in (1, 2, 3)
        )
        return _ok(KeyInformation(infos).to_bytes())
    if tag == 0x9F7F:
        return _ok(content.cplc.to_bytes())
    if tag == 0xFF21:
        installed = len(content.applications) - 1
        free_nv = 0 if ctx.memory_exhausted else content.total_nv - content.used_nv()
        free_v = 0 if ctx.memory_exhausted else content.total_volatile - content.used_volatile()
        return _ok(CardResources(installed, free_nv, free_v).to_bytes())
    if tag == 0xC1 and keysets:
        record = keysets[min(keysets)]
        size = 3 if sd.scp == 3 else 2
        return _ok(encode_tlv(0xC1, record.counter.to_bytes(size, "big")))
    raise CardStatus(0x6A88)


# -- GET STATUS ----------------------------------------------------------------------------


def get_status(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    sd = ctx.session_domain()
    try:
        scope = StatusScope(cmd.p1)
    except ValueError:
        raise CardStatus(0x6A86) from None
    # Only the TLV format (P2 b2) is implemented, as on every GP 2.2+ card.
    if cmd.p2 & 0xFE != 0x02:
        raise CardStatus(0x6A86)
    if cmd.p2 & 0x01:
        if ctx.status_scope != scope or not ctx.status_pending:
            raise CardStatus(0x6985)
        return _page(ctx, scope, ctx.status_pending)
    try:
        search = {t.tag: t.value for t in parse_tlvs(cmd.data)}[0x4F]
    except (GPParseError, KeyError):
        raise CardStatus(0x6A80) from None
    entries = [e for e in _entries(ctx, sd, scope) if e[0].startswith(search)]
    if not entries:
        raise CardStatus(0x6A88)
    return _page(ctx, scope, [tlv for _, tlv in entries])


def _entries(ctx: Context, sd: Application, scope: StatusScope) -> list[tuple[bytes, bytes]]:
    content = ctx.content
    if scope is StatusScope.ISD:
        if not ctx.sees(sd, None):
            return []
        return [(content.isd_aid, content.entry(content.isd).to_tlv())]
    if scope is StatusScope.APPLICATIONS:
        return [
            (app.aid, content.entry(app).to_tlv())
            for app in content.applications.values()
            if app.aid != content.isd_aid and ctx.sees(sd, app.associated_sd)
        ]
    with_modules = scope is StatusScope.LOAD_FILES_AND_MODULES
    return [
        (elf.aid, content.load_file_entry(elf, with_modules=with_modules).to_tlv())
        for elf in content.load_files.values()
        if ctx.sees(sd, elf.associated_sd)
    ]


def _page(ctx: Context, scope: StatusScope, entries: list[bytes]) -> ResponseAPDU:
    out, count = b"", 0
    for tlv in entries:
        if count and len(out) + len(tlv) > ctx.page_size:
            break
        out += tlv
        count += 1
    ctx.status_scope, ctx.status_pending = scope, entries[count:]
    return ResponseAPDU(out, 0x6310 if ctx.status_pending else 0x9000)


# -- PUT KEY -------------------------------------------------------------------------------


def _key_blocks(data: bytes) -> list[tuple[int, int, bytes, bytes]]:
    """(key type, key length, ciphered key, KCV) of each key data block; 6A80 if malformed."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise CardStatus(0x6A80)
        key_type, block_len = data[pos], data[pos + 1]
        if key_type == 0x88:  # AES: length of (key length byte + ciphered key), key length
            if block_len < 2 or pos + 3 > len(data):
                raise CardStatus(0x6A80)
            key_len, cipher = data[pos + 2], data[pos + 3 : pos + 2 + block_len]
            if len(cipher) != block_len - 1:
                raise CardStatus(0x6A80)
        elif key_type == 0x80:  # DES: the length is the key's own
            key_len, cipher = block_len, data[pos + 2 : pos + 2 + block_len]
            if len(cipher) != block_len:
                raise CardStatus(0x6A80)
        else:
            raise CardStatus(0x6A80)
        pos += 2 + block_len
        if pos >= len(data):
            raise CardStatus(0x6A80)
        kcv = data[pos + 1 : pos + 1 + data[pos]]
        if len(kcv) != data[pos]:
            raise CardStatus(0x6A80)
        pos += 1 + len(kcv)
        out.append((key_type, key_len, cipher, kcv))
    return out


def _decrypt_keys(
    ctx: Context, sd: Application, keys: list[tuple[int, int, bytes, bytes]], version: int
) -> KeySet:
    """Decrypt ENC, MAC, DEK in that order, check each KCV; 6A80 on any mismatch."""
    if ctx.channel is None or len(keys) != 3:
        raise CardStatus(0x6A80)
    values = []
    for key_type, key_len, cipher, kcv in keys:
        if key_type != _KEY_TYPE_FOR_SCP[sd.scp]:
            raise CardStatus(0x6A80)
        try:
            value = ctx.channel.decrypt_key(cipher, key_len)
        except (GPError, ValueError):
            raise CardStatus(0x6A80) from None
        check = kcv_aes(value) if key_type == 0x88 else kcv_des(value)
        if len(value) != key_len or kcv != check:
            raise CardStatus(0x6A80)
        values.append(value)
    try:
        return KeySet(*values, version=version, kind=_KEY_TYPES[keys[0][0]])  # type: ignore[arg-type]
    except ValueError:
        raise CardStatus(0x6A80) from None


def put_key(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    """Add or replace a whole key set (ENC, MAC, DEK) of the session's security domain."""
    sd = ctx.session_domain()
    if cmd.p2 != 0x81 or cmd.p1 > 0x7F:
        raise CardStatus(0x6A86)
    if not cmd.data or not 0x01 <= cmd.data[0] <= 0x7F:
        raise CardStatus(0x6A80)
    version = cmd.data[0]
    keys = _decrypt_keys(ctx, sd, _key_blocks(cmd.data[1:]), version)
    keysets = sd.keysets if sd.keysets is not None else {}
    if cmd.p1 and cmd.p1 not in keysets:
        raise CardStatus(0x6A88)
    if version in keysets and version != cmd.p1:
        raise CardStatus(0x6A80)
    if cmd.p1:
        del keysets[cmd.p1]
    keysets[version] = KeyRecord(keys)
    kcvs = keys.kcvs
    return _ok(bytes([version]) + kcvs["enc"] + kcvs["mac"] + kcvs["dek"])


# -- STORE DATA ----------------------------------------------------------------------------


def store_data(ctx: Context, cmd: CommandAPDU) -> ResponseAPDU:
    sd = ctx.session_domain()
    target = ctx.content.applications.get(ctx.perso_target or sd.aid)
    if target is None:
        raise CardStatus(0x6A88)
    structure, encryption = cmd.p1 & 0x18, cmd.p1 & 0x60
    last = bool(cmd.p1 & STORE_LAST_BLOCK)
    if cmd.p2 != ctx.store_next_block or structure not in (STORE_DGI, STORE_BER_TLV):
        raise CardStatus(0x6A86)
    if encryption not in (0x00, 0x20, STORE_ENCRYPTED) or (
        encryption == STORE_ENCRYPTED and structure != STORE_DGI
    ):
        raise CardStatus(0x6A86)
    records, buffer = _records(ctx, cmd.data, structure, encrypted=encryption == STORE_ENCRYPTED)
    if last and buffer:
        raise CardStatus(0x6A80)
    keys = None
    if target.is_sd:
        key_dgis = [r for r in records if r[0] in (_DGI_KEY_CONTROL, _DGI_KEY_VALUE)]
        records = [r for r in records if r not in key_dgis]
        if key_dgis:
            keys = _keys_from_dgis(ctx, target, key_dgis)
    ctx.allocate(target.associated_sd, sum(len(v) for _, v in records), 0)
    # Everything is checked: commit.
    target.perso.extend(records)
    if keys is not None and target.keysets is not None:
        target.keysets[keys.version] = KeyRecord(keys)
    ctx.store_buffer = buffer
    ctx.store_next_block = 0 if last else ctx.store_next_block + 1
    if last and not target.is_sd and target.lifecycle == LifeCycle.SELECTABLE:
        # The simulated payment applet declares itself personalised once its data is complete.
        target.lifecycle = LifeCycle.PERSONALIZED
    return _ok()


def _records(
    ctx: Context, data: bytes, structure: int, *, encrypted: bool
) -> tuple[list[tuple[int, bytes]], bytes]:
    if structure == STORE_BER_TLV:
        stream = ctx.store_buffer + data
        try:
            return [(t.tag, t.value) for t in parse_tlvs(stream)], b""
        except GPParseError:
            return [], stream  # the TLV continues in the next block
    if not encrypted:
        return split_dgis(ctx.store_buffer + data)
    if ctx.store_buffer or ctx.channel is None:
        raise CardStatus(0x6A80)
    try:
        sealed = parse_dgis(data)
        return [(tag, ctx.channel.decrypt_sensitive(v, unpad=True)) for tag, v in sealed], b""
    except GPError:
        raise CardStatus(0x6A80) from None


def _keys_from_dgis(ctx: Context, sd: Application, dgis: list[tuple[int, bytes]]) -> KeySet:
    """A security domain's key set from DGI 00B9 (key attributes and KCVs) and 8113 (keys)."""
    control = [v for tag, v in dgis if tag == _DGI_KEY_CONTROL]
    values = [v for tag, v in dgis if tag == _DGI_KEY_VALUE]
    if len(control) != 1:
        raise CardStatus(0x6A80)
    try:
        tlvs = parse_tlvs(control[0])
    except GPParseError:
        raise CardStatus(0x6A80) from None
    attributes = next((t for t in tlvs if t.tag == 0xB7), None)
    entries = [t for t in tlvs if t.tag == 0xB9]
    if attributes is None or len(entries) != len(values):
        raise CardStatus(0x6A80)
    attr = {c.tag: c.value for c in attributes.children}
    if any(len(attr.get(tag, b"")) != 1 for tag in (0x80, 0x81, 0x83)):
        raise CardStatus(0x6A80)
    key_type, key_len, version = attr[0x80][0], attr[0x81][0], attr[0x83][0]
    blocks = []
    for entry, cipher in zip(entries, values, strict=True):
        fields = {c.tag: c.value for c in entry.children}
        blocks.append((fields.get(0x82, b""), (key_type, key_len, cipher, fields.get(0x84, b""))))
    blocks.sort(key=lambda b: b[0])
    if [key_id for key_id, _ in blocks] != [b"\x01", b"\x02", b"\x03"]:
        raise CardStatus(0x6A80)
    return _decrypt_keys(ctx, sd, [block for _, block in blocks], version)
