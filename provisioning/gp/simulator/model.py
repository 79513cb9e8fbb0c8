"""The persistent content of a virtual card, its memory accounting and its JSON state.

Everything here survives a power cycle; session state (the secure channel, the selected
application, a LOAD or STORE DATA in progress) lives in :mod:`.card` and does not.

The state dict carries key values and personalisation data as plain hex: the caller must encrypt
the whole blob at rest (the Django side does so with its keystore).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioning.gp.carddata import Cplc
from provisioning.gp.keys import KeySet
from provisioning.gp.registry import EntryKind, LifeCycle, Privilege, RegistryEntry

__all__ = [
    "STATE_FORMAT",
    "SUPPORTED_I",
    "Application",
    "CardContent",
    "CardStatus",
    "KeyRecord",
    "LoadFile",
]

STATE_FORMAT = 1

# The i parameters the virtual card implements per SCP (pseudo-random challenge variants
# included, so that scripts can be prepared offline).
SUPPORTED_I = {3: (0x00, 0x10, 0x20, 0x30, 0x60, 0x70), 2: (0x15, 0x55)}


class CardStatus(Exception):
    """Raised inside command handlers: the card answers ``sw`` and changes nothing."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw


@dataclass
class KeyRecord:
    """A key set and its SCP sequence counter (reset when the key set is created or replaced)."""

    keys: KeySet
    counter: int = 0


@dataclass
class LoadFile:
    aid: bytes
    modules: list[bytes]
    code_size: int
    associated_sd: bytes
    version: bytes = b"\x01\x00"
    # Simulated cost of one instance of each module, and its label in the FCI.
    instance_nv: int = 512
    instance_volatile: int = 64
    label: str = ""


@dataclass
class Application:
    """An application instance or a security domain (``keysets`` is None for applications)."""

    aid: bytes
    load_file: bytes
    module: bytes
    associated_sd: bytes
    lifecycle: int
    privileges: Privilege
    nv_used: int
    volatile_used: int
    keysets: dict[int, KeyRecord] | None = None
    scp: int = 3
    i_param: int = 0x70
    nv_quota: int | None = None
    v_quota: int | None = None
    # (DGI or BER-TLV tag, plaintext value) in arrival order; encrypted DGIs already decrypted.
    perso: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def is_sd(self) -> bool:
        return self.keysets is not None

    @property
    def locked(self) -> bool:
        return bool(self.lifecycle & LifeCycle.LOCKED)

    @property
    def perso_size(self) -> int:
        return sum(len(value) for _, value in self.perso)


@dataclass
class CardContent:
    isd_aid: bytes
    cplc: Cplc
    iin: bytes
    cin: bytes
    gp_version: str
    contactless: bool
    total_nv: int
    total_volatile: int
    load_files: dict[bytes, LoadFile] = field(default_factory=dict)
    # Insertion ordered: GET STATUS lists entries in the order they were created.
    applications: dict[bytes, Application] = field(default_factory=dict)

    @property
    def isd(self) -> Application:
        return self.applications[self.isd_aid]

    # -- memory --------------------------------------------------------------------------

    def used_nv(self) -> int:
        code = sum(f.code_size for f in self.load_files.values())
        return code + sum(a.nv_used + a.perso_size for a in self.applications.values())

    def used_volatile(self) -> int:
        return sum(a.volatile_used for a in self.applications.values())

    def domain_usage(self, sd_aid: bytes) -> tuple[int, int]:
        """Non-volatile and volatile bytes held by everything under ``sd_aid``, recursively."""
        nv = sum(f.code_size for f in self.load_files.values() if f.associated_sd == sd_aid)
        volatile = 0
        for app in self.applications.values():
            if app.associated_sd != sd_aid or app.aid == sd_aid:
                continue
            nv += app.nv_used + app.perso_size
            volatile += app.volatile_used
            if app.is_sd:
                sub_nv, sub_v = self.domain_usage(app.aid)
                nv, volatile = nv + sub_nv, volatile + sub_v
        return nv, volatile

    def domain_chain(self, sd_aid: bytes) -> list[Application]:
        """``sd_aid`` and the domains above it, up to (excluding) the ISD."""
        chain, aid = [], sd_aid
        while aid != self.isd_aid and aid in self.applications and len(chain) < 32:
            app = self.applications[aid]
            chain.append(app)
            aid = app.associated_sd
        return chain

    def dependants(self, sd_aid: bytes) -> list[bytes]:
        """AIDs of applications, domains and load files associated with ``sd_aid``."""
        apps = [a.aid for a in self.applications.values() if a.associated_sd == sd_aid]
        files = [f.aid for f in self.load_files.values() if f.associated_sd == sd_aid]
        return [aid for aid in apps if aid != sd_aid] + files

    def closure(self, aid: bytes) -> set[bytes]:
        """``aid`` and what goes with it: instances of a load file, the content of a domain."""
        doomed: set[bytes] = set()
        todo = [aid]
        while todo:
            current = todo.pop()
            if current in doomed:
                continue
            doomed.add(current)
            todo += [a.aid for a in self.applications.values() if a.load_file == current]
            if current in self.applications and self.applications[current].is_sd:
                todo += self.dependants(current)
        return doomed

    # -- registry view -------------------------------------------------------------------

    def entry(self, app: Application) -> RegistryEntry:
        if app.aid == self.isd_aid:
            kind = EntryKind.ISD
        else:
            kind = EntryKind.SSD if app.is_sd else EntryKind.APPLICATION
        return RegistryEntry(
            aid=app.aid,
            kind=kind,
            lifecycle=app.lifecycle,
            privileges=app.privileges,
            associated_sd=app.associated_sd,
            load_file=app.load_file or None,
        )

    def load_file_entry(self, elf: LoadFile, *, with_modules: bool) -> RegistryEntry:
        return RegistryEntry(
            aid=elf.aid,
            kind=EntryKind.LOAD_FILE,
            lifecycle=LifeCycle.LOADED,
            associated_sd=elf.associated_sd,
            version=elf.version,
            modules=tuple(elf.modules) if with_modules else (),
        )

    # -- state ---------------------------------------------------------------------------

    def to_state(self) -> dict:
        return {
            "format": STATE_FORMAT,
            "isd_aid": self.isd_aid.hex(),
            "cplc": self.cplc.to_bytes().hex(),
            "iin": self.iin.hex(),
            "cin": self.cin.hex(),
            "gp_version": self.gp_version,
            "contactless": self.contactless,
            "total_nv": self.total_nv,
            "total_volatile": self.total_volatile,
            "load_files": [_load_file_state(f) for f in self.load_files.values()],
            "applications": [_application_state(a) for a in self.applications.values()],
        }

    @classmethod
    def from_state(cls, state: dict) -> CardContent:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported virtual card state format {state.get('format')!r}")
        content = cls(
            isd_aid=bytes.fromhex(state["isd_aid"]),
            cplc=Cplc.parse(bytes.fromhex(state["cplc"])),
            iin=bytes.fromhex(state["iin"]),
            cin=bytes.fromhex(state["cin"]),
            gp_version=state["gp_version"],
            contactless=bool(state["contactless"]),
            total_nv=int(state["total_nv"]),
            total_volatile=int(state["total_volatile"]),
        )
        for item in state["load_files"]:
            elf = LoadFile(
                aid=bytes.fromhex(item["aid"]),
                modules=[bytes.fromhex(m) for m in item["modules"]],
                code_size=int(item["code_size"]),
                associated_sd=bytes.fromhex(item["associated_sd"]),
                version=bytes.fromhex(item["version"]),
                instance_nv=int(item["instance_nv"]),
                instance_volatile=int(item["instance_volatile"]),
                label=item["label"],
            )
            content.load_files[elf.aid] = elf
        for item in state["applications"]:
            app = _application_from_state(item)
            content.applications[app.aid] = app
        return content


def _load_file_state(elf: LoadFile) -> dict:
    return {
        "aid": elf.aid.hex(),
        "modules": [m.hex() for m in elf.modules],
        "code_size": elf.code_size,
        "associated_sd": elf.associated_sd.hex(),
        "version": elf.version.hex(),
        "instance_nv": elf.instance_nv,
        "instance_volatile": elf.instance_volatile,
        "label": elf.label,
    }


def _application_state(app: Application) -> dict:
    out: dict = {
        "aid": app.aid.hex(),
        "load_file": app.load_file.hex(),
        "module": app.module.hex(),
        "associated_sd": app.associated_sd.hex(),
        "lifecycle": app.lifecycle,
        "privileges": int(app.privileges),
        "nv_used": app.nv_used,
        "volatile_used": app.volatile_used,
        "perso": [[tag, value.hex()] for tag, value in app.perso],
    }
    if app.keysets is not None:
        out["security_domain"] = {
            "scp": app.scp,
            "i": app.i_param,
            "nv_quota": app.nv_quota,
            "v_quota": app.v_quota,
            "keysets": [
                {
                    "version": r.keys.version,
                    "kind": r.keys.kind,
                    "enc": r.keys.enc.hex(),
                    "mac": r.keys.mac.hex(),
                    "dek": r.keys.dek.hex(),
                    "counter": r.counter,
                }
                for r in app.keysets.values()
            ],
        }
    return out


def _application_from_state(item: dict) -> Application:
    app = Application(
        aid=bytes.fromhex(item["aid"]),
        load_file=bytes.fromhex(item["load_file"]),
        module=bytes.fromhex(item["module"]),
        associated_sd=bytes.fromhex(item["associated_sd"]),
        lifecycle=int(item["lifecycle"]),
        privileges=Privilege(int(item["privileges"])),
        nv_used=int(item["nv_used"]),
        volatile_used=int(item["volatile_used"]),
        perso=[(int(tag), bytes.fromhex(value)) for tag, value in item["perso"]],
    )
    sd = item.get("security_domain")
    if sd is not None:
        app.scp, app.i_param = int(sd["scp"]), int(sd["i"])
        app.nv_quota, app.v_quota = sd["nv_quota"], sd["v_quota"]
        app.keysets = {}
        for k in sd["keysets"]:
            keys = KeySet(
                bytes.fromhex(k["enc"]),
                bytes.fromhex(k["mac"]),
                bytes.fromhex(k["dek"]),
                int(k["version"]),
                k["kind"],
            )
            app.keysets[keys.version] = KeyRecord(keys, int(k["counter"]))
    return app
