"""SIM inventory import: a CSV file of SEs, checked row by row, written all or nothing.

Columns (a header row is required; only `iccid` is mandatory, in any order):

    iccid, msisdn, nfc_capable, gp_version, scp, scp_i, free_nv_bytes, free_v_bytes

If any row is rejected nothing is written, and the result lists every rejected row with its
reason (`ImportResult.report_csv()`), so the sender fixes the file and sends it again whole.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction

from enstream.accounts.roles import OrgKind, Perm, has_perm
from enstream.audit.services import audit_record
from mno.errors import RegistryError
from mno.identifiers import normalize_iccid, normalize_msisdn
from mno.models import MNO
from mno.registry import AssignmentReason, MsisdnAssignment, SecureElement, SeStatus
from mno.se_services import Capabilities

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
COLUMNS = (
    "iccid",
    "msisdn",
    "nfc_capable",
    "gp_version",
    "scp",
    "scp_i",
    "free_nv_bytes",
    "free_v_bytes",
)
_TRUE = {"1", "y", "yes", "true"}
_FALSE = {"0", "n", "no", "false"}
_CHUNK = 1000


@dataclass(frozen=True)
class RejectedRow:
    line: int
    iccid: str
    msisdn: str
    reason: str


@dataclass
class ImportResult:
    mno: MNO
    rows: int = 0
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def report_csv(self) -> str:
        """The rejected rows, one per line with the reason, as a CSV file."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["line", "iccid", "msisdn", "reason"])
        for row in self.rejected:
            writer.writerow([row.line, row.iccid, row.msisdn, row.reason])
        return out.getvalue()


@dataclass(frozen=True)
class _Good:
    line: int
    iccid: str
    msisdn: str | None
    caps: Capabilities


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RegistryError("invalid_capability", "nfc_capable is yes or no.", field="nfc_capable")


def _whole(text: str, name: str, *, base: int = 10) -> int:
    try:
        return int(text.strip(), base)
    except ValueError:
        raise RegistryError("invalid_capability", f"{name} is a whole number.") from None


def _capabilities(row: dict[str, str]) -> Capabilities:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    scp = _whole(cell("scp"), "scp") if cell("scp") else 3
    default_i = 0x55 if scp == 2 else 0x70
    return Capabilities(
        nfc_capable=_flag(cell("nfc_capable")) if cell("nfc_capable") else True,
        gp_version=cell("gp_version") or "2.3.1",
        scp=scp,
        scp_i=_whole(cell("scp_i"), "scp_i (hex)", base=16) if cell("scp_i") else default_i,
        free_nv_bytes=_whole(cell("free_nv_bytes") or "0", "free_nv_bytes"),
        free_v_bytes=_whole(cell("free_v_bytes") or "0", "free_v_bytes"),
    ).check()


def _size(file: IO[bytes]) -> int | None:
    return getattr(file, "size", None)


def _lines(file: IO[bytes]) -> Iterator[str]:
    """The file's text lines, decoded as it is read, refusing past MAX_BYTES."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending, seen = "", 0
    while chunk := file.read(64 * 1024):
        seen += len(chunk)
        if seen > MAX_BYTES:
            raise RegistryError(
                "file_too_large", f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it."
            )
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError:
            raise RegistryError(
                "not_utf8", "The file is not UTF-8 text (save as CSV UTF-8)."
            ) from None
        *complete, pending = pending.split("\n")
        yield from (line + "\n" for line in complete)
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise RegistryError("not_utf8", "The file is not UTF-8 text (save as CSV UTF-8).") from None
    if pending:
        yield pending


def _read(file: IO[bytes], result: ImportResult) -> list[_Good]:
    size = _size(file)
    if size is not None and size > MAX_BYTES:
        raise RegistryError(
            "file_too_large", f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it."
        )
    reader = csv.DictReader(_lines(file))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if "iccid" not in header:
        raise RegistryError("no_header", "The first row must name the columns, iccid at least.")
    unknown = sorted(set(header) - set(COLUMNS) - {""})
    if unknown:
        raise RegistryError(
            "unknown_columns",
            f"Unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}.",
        )
    reader.fieldnames = header
    good: list[_Good] = []
    seen_iccids: dict[str, int] = {}
    seen_msisdns: dict[str, int] = {}
    for row in reader:
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise RegistryError("too_many_rows", f"A file holds at most {MAX_ROWS:,} SEs.")
        line = reader.line_num
        raw_iccid, raw_msisdn = (row.get("iccid") or "").strip(), (row.get("msisdn") or "").strip()
        try:
            if None in row:
                raise RegistryError("extra_cells", "The row has more cells than the header.")
            iccid = normalize_iccid(raw_iccid)
            msisdn = normalize_msisdn(raw_msisdn) if raw_msisdn else None
            caps = _capabilities(row)
            if iccid in seen_iccids:
                raise RegistryError(
                    "duplicate_in_file", f"ICCID repeats line {seen_iccids[iccid]}."
                )
            if msisdn and msisdn in seen_msisdns:
                raise RegistryError(
                    "duplicate_in_file", f"MSISDN repeats line {seen_msisdns[msisdn]}."
                )
        except RegistryError as error:
            result.rejected.append(RejectedRow(line, raw_iccid[:40], raw_msisdn[:40], str(error)))
            continue
        seen_iccids[iccid] = line
        if msisdn:
            seen_msisdns[msisdn] = line
        good.append(_Good(line, iccid, msisdn, caps))
    return good


def _check_registry(good: list[_Good], result: ImportResult, sandbox: bool) -> None:
    for start in range(0, len(good), _CHUNK):
        chunk = good[start : start + _CHUNK]
        iccids = set(
            SecureElement.objects.filter(iccid__in=[g.iccid for g in chunk]).values_list(
                "iccid", flat=True
            )
        )
        numbers = set(
            SecureElement.objects.filter(
                msisdn__in=[g.msisdn for g in chunk if g.msisdn],
                status=SeStatus.ACTIVE,
                sandbox=sandbox,
            ).values_list("msisdn", flat=True)
        )
        for item in chunk:
            reason = ""
            if item.iccid in iccids:
                reason = "ICCID already in the registry."
            elif item.msisdn in numbers:
                reason = "MSISDN already on an active SE in the registry."
            if reason:
                result.rejected.append(
                    RejectedRow(item.line, item.iccid, item.msisdn or "", reason)
                )
    result.rejected.sort(key=lambda row: row.line)


def _check_actor(actor: Any, mno: MNO) -> None:
    if not has_perm(actor, Perm.SE_REGISTRY_IMPORT):
        raise RegistryError("permission_denied", "Your role cannot import SIM inventory.")
    organisation = actor.organisation
    if organisation.kind == OrgKind.MNO and organisation.pk != mno.organisation_id:
        raise RegistryError("wrong_network", "You can import SIMs into your own network only.")
    if organisation.kind not in (OrgKind.MNO, OrgKind.ENSTREAM):
        raise RegistryError("permission_denied", "Only networks and EnStream import SIMs.")


def se_import_csv(*, mno: MNO, file: IO[bytes], actor: Any, sandbox: bool = False) -> ImportResult:
    """Import a SIM inventory file into `mno`'s registry: every row, or none.

    Raises RegistryError for a file that cannot be read at all (too large, not UTF-8, no
    header); returns an ImportResult whose `rejected` rows explain a refused file.
    """
    _check_actor(actor, mno)
    result = ImportResult(mno=mno)
    good = _read(file, result)
    if not result.rows:
        raise RegistryError("empty_file", "The file has a header but no SEs.")
    _check_registry(good, result, sandbox)
    if result.rejected:
        return result
    try:
        with transaction.atomic():
            for start in range(0, len(good), _CHUNK):
                chunk = good[start : start + _CHUNK]
                ses = SecureElement.objects.bulk_create(
                    SecureElement(
                        iccid=g.iccid, mno=mno, msisdn=g.msisdn, sandbox=sandbox, **g.caps.__dict__
                    )
                    for g in chunk
                )
                MsisdnAssignment.objects.bulk_create(
                    MsisdnAssignment(se=se, msisdn=se.msisdn, reason=AssignmentReason.REGISTERED)
                    for se in ses
                    if se.msisdn
                )
            result.imported = len(good)
            audit_record(
                action="se.import",
                obj=mno,
                actor=actor,
                changes={"imported": result.imported, "sandbox": sandbox},
            )
    except IntegrityError:
        raise RegistryError(
            "concurrent_change",
            "Another change to the registry collided with this file; nothing was imported. "
            "Send it again.",
        ) from None
    return result
