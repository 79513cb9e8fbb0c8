"""``python -m provisioning.gp``: a small GlobalPlatformPro-style command line.

It talks to the virtual card (``--virtual``, state kept in ``--state FILE`` between runs) or to
a PC/SC reader (``--reader NAME``, needs the optional ``pyscard`` package). Keys given on the
command line are for test cards; the tool prints key check values, never keys.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from provisioning.gp.apdu import CommandAPDU, ResponseAPDU, T0Transport, Transport
from provisioning.gp.channel import SecureChannel, SecurityLevel, open_secure_channel
from provisioning.gp.errors import GPError, GPParseError
from provisioning.gp.keys import KeySet
from provisioning.gp.manager import DEFAULT_SSD_PRIVILEGES, CardManager
from provisioning.gp.registry import ISD_AID, EntryKind, Privilege, RegistryEntry
from provisioning.gp.simulator import VirtualCard

__all__ = ["main"]

DEFAULT_KEY = "404142434445464748494A4B4C4D4E4F"
LEVELS = {"clear": 0x00, "mac": 0x01, "enc": 0x03, "rmac": 0x13, "full": 0x33}
_KIND_LABEL = {
    EntryKind.ISD: "ISD",
    EntryKind.SSD: "SSD",
    EntryKind.APPLICATION: "APP",
    EntryKind.LOAD_FILE: "ELF",
}


class CliError(Exception):
    """A problem with the command line or the environment, reported without a traceback."""


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.replace(":", "").replace(" ", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hexadecimal: {text!r}") from None


def _byte(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a hexadecimal byte: {text!r}") from None
    if not 0 <= value <= 0xFF:
        raise argparse.ArgumentTypeError(f"not a byte: {text!r}")
    return value


def _level(text: str) -> SecurityLevel:
    return SecurityLevel(LEVELS[text] if text in LEVELS else _byte(text))


def _keyset(
    key: bytes | None,
    enc: bytes | None,
    mac: bytes | None,
    dek: bytes | None,
    *,
    version: int,
    scp: int,
) -> KeySet:
    base = key if key is not None else bytes.fromhex(DEFAULT_KEY)
    try:
        return KeySet(enc or base, mac or base, dek or base, version, "aes" if scp == 3 else "des")
    except ValueError as exc:
        raise CliError(str(exc)) from None


class PcscTransport:
    """A PC/SC reader through pyscard, imported only when a reader is asked for."""

    def __init__(self, name: str) -> None:
        try:
            from smartcard.System import readers
        except ImportError:
            raise CliError(
                "--reader needs the optional pyscard package (pip install pyscard);"
                " use --virtual for the virtual card"
            ) from None
        found = [r for r in readers() if name.lower() in str(r).lower()]
        if not found:
            raise CliError(f"no PC/SC reader matches {name!r}")
        self._connection = found[0].createConnection()
        self._connection.connect()

    def transmit(self, capdu: bytes) -> bytes:
        data, sw1, sw2 = self._connection.transmit(list(capdu))
        return bytes([*data, sw1, sw2])


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Card and key options; on subcommands they default to SUPPRESS so that the same option
    may come before or after the command without one hiding the other."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    card = parser.add_argument_group("card")
    card.add_argument(
        "--virtual", action="store_true", default=default(False), help="the virtual card (default)"
    )
    card.add_argument("--state", type=Path, default=default(None), help="virtual card state JSON")
    card.add_argument("--reader", default=default(None), help="PC/SC reader name; needs pyscard")
    keys = parser.add_argument_group("secure channel")
    keys.add_argument(
        "--key", type=_hex, default=default(None), help=f"ENC=MAC=DEK (default {DEFAULT_KEY})"
    )
    for name in ("enc", "mac", "dek"):
        keys.add_argument(f"--{name}", type=_hex, default=default(None), help=f"Key-{name.upper()}")
    keys.add_argument(
        "--kvn", type=_byte, default=default(0x30), help="key version (hex, default 30)"
    )
    keys.add_argument("--scp", type=int, choices=(2, 3), default=default(3), help="SCP02 or 03")
    keys.add_argument(
        "--security-level",
        type=_level,
        default=default(SecurityLevel(0x03)),
        help=f"{', '.join(LEVELS)} or a hex byte (default enc: C-MAC + C-DECRYPTION)",
    )
    keys.add_argument("--sd", type=_hex, default=default(None), help="SD AID (default: ISD)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m provisioning.gp",
        description="GlobalPlatform card management on the virtual card or a PC/SC reader.",
    )
    _add_common(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common, suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", parents=[common], help="list card content (GET STATUS)")
    sub.add_parser("info", parents=[common], help="CPLC, card data, key information, free memory")
    run = sub.add_parser(
        "run", parents=[common], help="run an APDU script (hex per line, # comments) securely"
    )
    run.add_argument("script", type=Path)
    run.add_argument("--keep-going", action="store_true", help="continue after an error SW")
    ssd = sub.add_parser(
        "create-ssd", parents=[common], help="create a supplementary security domain"
    )
    ssd.add_argument("aid", type=_hex)
    ssd.add_argument("--nv-quota", type=int, help="non-volatile memory quota, bytes")
    ssd.add_argument("--v-quota", type=int, help="volatile memory quota, bytes")
    ssd.add_argument("--privileges", type=_hex, help="privileges (hex, 1 or 3 bytes)")
    ssd.add_argument("--ssd-scp", type=int, choices=(2, 3), default=3)
    ssd.add_argument("--ssd-i", type=_byte, default=0x70, help="i parameter (hex, default 70)")
    ssd.add_argument("--ssd-key", type=_hex, help="give the SSD this initial key (ENC=MAC=DEK)")
    ssd.add_argument("--ssd-kvn", type=_byte, default=0x30, help="its key version (default 30)")
    put = sub.add_parser(
        "put-keys", parents=[common], help="PUT KEY a new key set into the security domain"
    )
    put.add_argument("--new-key", type=_hex, help="ENC=MAC=DEK of the new key set")
    put.add_argument("--new-enc", type=_hex)
    put.add_argument("--new-mac", type=_hex)
    put.add_argument("--new-dek", type=_hex)
    put.add_argument("--new-kvn", type=_byte, required=True, help="new key version (hex)")
    put.add_argument("--replace", type=_byte, help="key version to replace (hex)")
    for name, text in (("delete", "delete"), ("lock", "lock"), ("unlock", "unlock")):
        command = sub.add_parser(name, parents=[common], help=f"{text} an application or SSD")
        command.add_argument("aid", type=_hex)
        if name == "delete":
            command.add_argument("--related", action="store_true", help="with what depends on it")
    return parser


def _entry_line(entry: RegistryEntry) -> str:
    parts = [f"{_KIND_LABEL[entry.kind]:4}", entry.aid.hex().upper(), entry.state]
    if entry.kind is not EntryKind.LOAD_FILE:
        parts.append(f"privileges {int(entry.privileges):06X}")
    if entry.load_file:
        parts.append(f"from {entry.load_file.hex().upper()}")
    if entry.associated_sd and entry.kind is not EntryKind.ISD:
        parts.append(f"in {entry.associated_sd.hex().upper()}")
    if entry.modules:
        parts.append("modules " + ",".join(m.hex().upper() for m in entry.modules))
    return "  ".join(parts)


def _info(manager: CardManager, out: Callable[[str], None]) -> None:
    for name, value in manager.cplc().as_dict().items():
        out(f"CPLC {name}: {value}")
    data = manager.card_data()
    contactless = {True: "yes", False: "no", None: "unknown"}[data.contactless]
    out(f"GlobalPlatform {data.gp_version}, SCP{data.scp:02d} i={data.i_param:02X}")
    out(f"NFC/SWP capable: {contactless}")
    for key in manager.key_information().keys:
        out(
            f"key version {key.version:02X} id {key.key_id} type {key.key_type:02X} "
            f"length {key.length}"
        )
    resources = manager.resources()
    out(f"free non-volatile memory: {resources.free_nv} bytes")
    out(f"free volatile memory: {resources.free_volatile} bytes")
    out(f"installed applications: {resources.installed_applications}")


def _script(path: Path) -> list[bytes]:
    commands = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if text:
            try:
                commands.append(CommandAPDU.parse(_hex(text)).to_bytes())
            except (argparse.ArgumentTypeError, GPParseError) as exc:
                raise CliError(f"{path}:{number}: not a command APDU ({exc})") from None
    return commands


def _run(args: argparse.Namespace, transport: Transport, out: Callable[[str], None]) -> int:
    sd = args.sd if args.sd is not None else ISD_AID
    keys = _keyset(args.key, args.enc, args.mac, args.dek, version=args.kvn, scp=args.scp)
    if args.command == "info":
        manager = CardManager(transport)
        manager.select(sd)
        _info(manager, out)
        return 0
    channel: SecureChannel = open_secure_channel(
        transport,
        keys,
        scp=args.scp,
        security_level=args.security_level,
        aid=sd,
        key_version=args.kvn,
    )
    manager = CardManager(channel)
    if args.command == "list":
        for entry in manager.list_content():
            out(_entry_line(entry))
    elif args.command == "run":
        for capdu in _script(args.script):
            resp = ResponseAPDU.parse(channel.transmit(capdu))
            out(f">> {capdu.hex().upper()}")
            data = resp.data.hex().upper()
            out(f"<< {data} {resp.sw:04X}" if data else f"<< {resp.sw:04X}")
            if resp.sw != 0x9000 and not args.keep_going:
                return 1
    elif args.command == "create-ssd":
        privileges = Privilege.parse(args.privileges) if args.privileges else DEFAULT_SSD_PRIVILEGES
        manager.create_ssd(
            args.aid,
            privileges=privileges,
            nv_quota=args.nv_quota,
            v_quota=args.v_quota,
            scp=args.ssd_scp,
            i=args.ssd_i,
        )
        out(f"created SSD {args.aid.hex().upper()}")
        if args.ssd_key is not None:
            initial = _keyset(
                args.ssd_key, None, None, None, version=args.ssd_kvn, scp=args.ssd_scp
            )
            manager.personalize_sd_keys(args.aid, initial)
            out(f"initial keys {initial!r}")
    elif args.command == "put-keys":
        new = _keyset(
            args.new_key,
            args.new_enc,
            args.new_mac,
            args.new_dek,
            version=args.new_kvn,
            scp=args.scp,
        )
        manager.put_keyset(new, replace_version=args.replace)
        out(f"loaded {new!r}")
    elif args.command == "delete":
        manager.delete(args.aid, related=args.related)
    elif args.command == "lock":
        manager.lock(args.aid)
    elif args.command == "unlock":
        manager.unlock(args.aid)
    return 0


def _virtual_card(args: argparse.Namespace) -> VirtualCard:
    if args.state is not None and args.state.exists():
        try:
            return VirtualCard.from_state(json.loads(args.state.read_text()))
        except (ValueError, KeyError) as exc:
            raise CliError(f"{args.state}: not a virtual card state ({exc})") from None
    keys = _keyset(args.key, args.enc, args.mac, args.dek, version=args.kvn, scp=args.scp)
    return VirtualCard(keys, scp=args.scp)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    card: VirtualCard | None = None
    try:
        if args.reader is not None:
            if args.virtual or args.state is not None:
                raise CliError("--reader cannot be combined with --virtual or --state")
            transport: Transport = T0Transport(PcscTransport(args.reader))
        else:
            card = _virtual_card(args)
            transport = card
        return _run(args, transport, print)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (GPError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if card is not None and args.state is not None:
            # Saved even after a refusal: the card may have changed before it refused.
            args.state.write_text(json.dumps(card.to_state(), indent=1))
