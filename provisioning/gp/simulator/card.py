"""The virtual GlobalPlatform card: transport, secure messaging, routing and faults."""

from __future__ import annotations

import os
from collections.abc import Callable

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU
from provisioning.gp.card_sm import CardSecureChannel
from provisioning.gp.carddata import Cplc
from provisioning.gp.errors import GPError, GPParseError
from provisioning.gp.install import SSD_LOAD_FILE, SSD_MODULE
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import ISD_AID, CardLifeCycle, LifeCycle, Privilege
from provisioning.gp.simulator import content as content_commands
from provisioning.gp.simulator import data as data_commands
from provisioning.gp.simulator import lifecycle as lifecycle_commands
from provisioning.gp.simulator.catalog import PAYMENT_PRODUCTS
from provisioning.gp.simulator.context import Context
from provisioning.gp.simulator.model import (
    SUPPORTED_I,
    Application,
    CardContent,
    CardStatus,
    KeyRecord,
    LoadFile,
)
from provisioning.gp.tlv import encode_tlv

__all__ = ["CardRemoved", "NoAnswer", "VirtualCard"]

_DEFAULT_I = {3: 0x70, 2: 0x55}
# Short answers hold 256 bytes; leave room for R-ENC padding (16) and the R-MAC (8).
_STATUS_PAGE = 220
_ISD_PRIVILEGES = (
    Privilege.SECURITY_DOMAIN
    | Privilege.CARD_LOCK
    | Privilege.CARD_TERMINATE
    | Privilege.CVM_MANAGEMENT
    | Privilege.TRUSTED_PATH
    | Privilege.AUTHORIZED_MANAGEMENT
    | Privilege.GLOBAL_DELETE
    | Privilege.GLOBAL_LOCK
    | Privilege.GLOBAL_REGISTRY
)

Handler = Callable[[Context, CommandAPDU], ResponseAPDU]
_HANDLERS: dict[int, Handler] = {
    0xCA: data_commands.get_data,
    0xF2: data_commands.get_status,
    0xD8: data_commands.put_key,
    0xE2: data_commands.store_data,
    0xE6: content_commands.install,
    0xE8: content_commands.load,
    0xE4: lifecycle_commands.delete,
    0xF0: lifecycle_commands.set_status,
}


class NoAnswer(GPError):
    """The card gave no answer: whether the command took effect is unknown to the host."""


class CardRemoved(NoAnswer):
    """No card in the reader (or the handset is off): nothing was sent."""


def _sw(sw: int) -> ResponseAPDU:
    return ResponseAPDU(b"", sw)


def _default_cplc(serial: bytes) -> Cplc:
    zero2, zero4 = bytes(2), bytes(4)
    return Cplc(
        ic_fabricator=bytes.fromhex("4790"),
        ic_type=bytes.fromhex("5040"),
        os_id=bytes.fromhex("4791"),
        os_release_date=bytes.fromhex("6035"),
        os_release_level=bytes.fromhex("0231"),
        ic_fabrication_date=bytes.fromhex("6120"),
        ic_serial_number=serial,
        ic_batch_identifier=bytes.fromhex("0001"),
        module_fabricator=zero2,
        module_packaging_date=zero2,
        icc_manufacturer=zero2,
        ic_embedding_date=zero2,
        ic_pre_personalizer=zero2,
        ic_pre_perso_equipment_date=zero2,
        ic_pre_perso_equipment_id=zero4,
        ic_personalizer=zero2,
        ic_personalization_date=zero2,
        ic_perso_equipment_id=zero4,
    )


class VirtualCard:
    """A GlobalPlatform NFC SIM in memory: ``transmit(capdu) -> response`` like a reader.

    It starts SECURED with the ISD's key set, the security domain package and the pre-loaded
    payment load files (see :mod:`.catalog`). Every malformed command gets a status word, never
    an exception; only the fault hooks make ``transmit`` raise (:class:`NoAnswer`).
    """

    def __init__(
        self,
        isd_keys: KeySet,
        *,
        scp: int = 3,
        i_param: int | None = None,
        isd_aid: bytes = ISD_AID,
        total_nv: int = 512 * 1024,
        total_volatile: int = 16 * 1024,
        contactless: bool = True,
        gp_version: str = "2.3.1",
        serial: bytes | None = None,
        preload: bool = True,
        status_page_size: int = _STATUS_PAGE,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        i_param = _DEFAULT_I.get(scp, 0) if i_param is None else i_param
        if i_param not in SUPPORTED_I.get(scp, ()):
            raise ValueError(f"the virtual card does not implement SCP{scp:02d} i={i_param:02X}")
        if (isd_keys.kind == "aes") != (scp == 3):
            raise ValueError(f"SCP{scp:02d} needs {'AES' if scp == 3 else '3DES'} keys")
        serial = serial if serial is not None else rng(4)
        content = CardContent(
            isd_aid=isd_aid,
            cplc=_default_cplc(serial),
            # Issuer identification: telecom (89), Canada (302).
            iin=bytes.fromhex("893020"),
            cin=serial,
            gp_version=gp_version,
            contactless=contactless,
            total_nv=total_nv,
            total_volatile=total_volatile,
        )
        content.applications[isd_aid] = Application(
            aid=isd_aid,
            load_file=b"",
            module=b"",
            associated_sd=isd_aid,
            lifecycle=CardLifeCycle.SECURED,
            privileges=_ISD_PRIVILEGES,
            nv_used=0,
            volatile_used=0,
            keysets={isd_keys.version: KeyRecord(isd_keys)},
            scp=scp,
            i_param=i_param,
        )
        # Part of the card OS, so it costs no EEPROM.
        content.load_files[SSD_LOAD_FILE] = LoadFile(SSD_LOAD_FILE, [SSD_MODULE], 0, isd_aid)
        if preload:
            for product in PAYMENT_PRODUCTS:
                content.load_files[product.load_file] = LoadFile(
                    aid=product.load_file,
                    modules=[product.module],
                    code_size=product.code_size,
                    associated_sd=isd_aid,
                    instance_nv=product.instance_nv,
                    instance_volatile=product.instance_volatile,
                    label=product.label,
                )
        self._setup(content, status_page_size, rng)

    def _setup(self, content: CardContent, page_size: int, rng: Callable[[int], bytes]) -> None:
        self._content = content
        self._page_size = page_size
        self._rng = rng
        self._removed = False
        self._memory_exhausted = False
        self._tear: bool | None = None
        self._power_on()

    def _power_on(self) -> None:
        if getattr(self, "_ctx", None) is not None and self._ctx.channel is not None:
            self._ctx.channel.close()
        self._ctx = Context(
            self._content,
            self._content.isd_aid,
            self._page_size,
            memory_exhausted=self._memory_exhausted,
        )

    # -- state ---------------------------------------------------------------------------

    def to_state(self) -> dict:
        """JSON-able snapshot of everything persistent, keys and card data in clear hex.

        Encrypt it at rest. Session state (an open secure channel) is not included: restoring
        is a power cycle, as when an OTA session ends.
        """
        return {"card": self._content.to_state(), "status_page_size": self._page_size}

    @classmethod
    def from_state(cls, state: dict, *, rng: Callable[[int], bytes] = os.urandom) -> VirtualCard:
        card = cls.__new__(cls)
        card._setup(CardContent.from_state(state["card"]), int(state["status_page_size"]), rng)
        return card

    # -- faults --------------------------------------------------------------------------

    def remove(self) -> None:
        """Take the card out: every transmit raises :class:`CardRemoved` until :meth:`insert`."""
        self._removed = True

    def insert(self) -> None:
        """Put the card back: a power-on, so any secure channel is gone."""
        self._removed = False
        self._power_on()

    def tear_next_command(self, *, applied: bool) -> None:
        """Cut the power during the next command: its effect is kept (``applied``) or rolled
        back as a whole, the answer is lost (:class:`NoAnswer`) and the card restarts."""
        self._tear = applied

    @property
    def memory_exhausted(self) -> bool:
        return self._memory_exhausted

    @memory_exhausted.setter
    def memory_exhausted(self, value: bool) -> None:
        """While set, anything that needs memory answers 6A84 and FF21 reports none free."""
        self._memory_exhausted = value
        self._ctx.memory_exhausted = value

    # -- inspection (tests, the CLI and the simulated network) -----------------------------

    @property
    def isd_aid(self) -> bytes:
        return self._content.isd_aid

    @property
    def total_nv(self) -> int:
        return self._content.total_nv

    @property
    def total_volatile(self) -> int:
        return self._content.total_volatile

    @property
    def free_nv(self) -> int:
        return self._content.total_nv - self._content.used_nv()

    @property
    def free_volatile(self) -> int:
        return self._content.total_volatile - self._content.used_volatile()

    def application(self, aid: bytes) -> Application | None:
        """The registry record of an application or security domain (live object)."""
        return self._content.applications.get(aid)

    def personalization(self, aid: bytes) -> dict[int, bytes]:
        """DGIs / tags an application received, decrypted, last value winning."""
        app = self._content.applications.get(aid)
        return dict(app.perso) if app is not None else {}

    def key_versions(self, sd_aid: bytes | None = None) -> list[int]:
        app = self._content.applications.get(sd_aid or self._content.isd_aid)
        return sorted(app.keysets) if app is not None and app.keysets is not None else []

    # -- transport -----------------------------------------------------------------------

    def transmit(self, capdu: bytes) -> bytes:
        if self._removed:
            raise CardRemoved("no card present")
        if self._tear is None:
            return self._process(bytes(capdu)).to_bytes()
        applied, self._tear = self._tear, None
        before = None if applied else self._content.to_state()
        self._process(bytes(capdu))
        if before is not None:
            self._content = CardContent.from_state(before)
        self._power_on()
        raise NoAnswer("power lost during the command; the answer is lost")

    def _process(self, raw: bytes) -> ResponseAPDU:
        try:
            cmd = CommandAPDU.parse(raw)
        except GPParseError:
            return _sw(0x6700)
        ctx = self._ctx
        # Interindustry (00..0F) and proprietary (80..8F) classes, basic channel, GP secure
        # messaging (b3) only: chaining, extended channels and ISO SM are refused.
        if cmd.cla & 0x70:
            return _sw(0x6E00)
        if cmd.cla & 0x03:
            return _sw(0x6881)
        if cmd.cla & 0x08:
            return _sw(0x6882)
        if self._content.isd.lifecycle == CardLifeCycle.TERMINATED and cmd.ins not in (
            0xA4,
            0xCA,
        ):
            return _sw(0x6A81)
        if cmd.ins == 0xA4:
            return self._select(cmd)
        if cmd.ins == 0x50:
            return self._initialize_update(cmd)
        if cmd.ins == 0x82:
            return self._external_authenticate(cmd)
        if ctx.channel is not None and not ctx.authenticated:
            ctx.close_session()  # INITIALIZE UPDATE must be followed by EXTERNAL AUTHENTICATE
        selected = self._content.applications.get(ctx.selected)
        if selected is None or not selected.is_sd:
            return _sw(0x6D00)  # simulated applets implement nothing but SELECT
        channel = ctx.channel
        if channel is None:
            return _sw(0x6982) if cmd.cla & 0x04 else self._dispatch(cmd)
        try:
            cmd = channel.unwrap_command(cmd)
        except GPError:
            ctx.close_session()
            return _sw(0x6982)
        resp = self._dispatch(cmd)
        return channel.wrap_response(resp) if ctx.channel is channel else resp

    def _dispatch(self, cmd: CommandAPDU) -> ResponseAPDU:
        handler = _HANDLERS.get(cmd.ins)
        if handler is None:
            return _sw(0x6D00)
        if cmd.cla != 0x80 and not (cmd.ins == 0xCA and cmd.cla == 0x00):
            return _sw(0x6E00)
        try:
            return handler(self._ctx, cmd)
        except CardStatus as status:
            return _sw(status.sw)

    def _select(self, cmd: CommandAPDU) -> ResponseAPDU:
        if cmd.cla != 0x00:
            return _sw(0x6E00)
        if cmd.p1 != 0x04 or cmd.p2 != 0x00:
            return _sw(0x6A86)
        apps = self._content.applications
        wanted = cmd.data or self._content.isd_aid
        target = apps.get(wanted) or next(
            (a for a in apps.values() if a.aid.startswith(wanted)), None
        )
        card_locked = self._content.isd.lifecycle == CardLifeCycle.CARD_LOCKED
        if (
            target is None
            or (target.aid != self._content.isd_aid and (target.locked or card_locked))
            or target.lifecycle == LifeCycle.INSTALLED
        ):
            return _sw(0x6A82)
        self._ctx.close_session()
        self._ctx.selected = target.aid
        if target.is_sd:
            proprietary = encode_tlv(0x9F65, b"\xff")
        else:
            elf = self._content.load_files.get(target.load_file)
            label = elf.label if elf is not None else ""
            proprietary = encode_tlv(0x50, label.encode()) if label else b""
        fci = encode_tlv(0x84, target.aid) + encode_tlv(0xA5, proprietary)
        return ResponseAPDU(encode_tlv(0x6F, fci), 0x9000)

    def _initialize_update(self, cmd: CommandAPDU) -> ResponseAPDU:
        ctx = self._ctx
        sd = self._content.applications.get(ctx.selected)
        if sd is None or sd.keysets is None:
            return _sw(0x6D00)
        if cmd.cla != 0x80:
            return _sw(0x6E00)
        ctx.close_session()
        keysets = sd.keysets
        version = cmd.p1 or (min(keysets) if keysets else 0)
        record = keysets.get(version)
        if record is None:
            return _sw(0x6A88)
        channel = CardSecureChannel(
            record.keys,
            scp=sd.scp,
            i_param=sd.i_param,
            sequence_counter=record.counter,
            sd_aid=sd.aid,
            rng=self._rng,
        )
        resp = channel.initialize_update(cmd)
        record.counter = channel.sequence_counter
        if resp.ok:
            ctx.channel, ctx.session_sd, ctx.session_record = channel, sd.aid, record
        return resp

    def _external_authenticate(self, cmd: CommandAPDU) -> ResponseAPDU:
        ctx = self._ctx
        channel = ctx.channel
        if channel is None or channel.is_authenticated:
            ctx.close_session()
            return _sw(0x6985)
        resp = channel.external_authenticate(cmd)
        if ctx.session_record is not None:
            # SCP02 moves its counter on a successful authentication; the card persists it.
            ctx.session_record.counter = channel.sequence_counter
        if not resp.ok:
            ctx.close_session()
        return resp
