"""SE registry operations: register an SE, move a line to a new SIM (swap) or network (port).

Moves update the registry and its history in one transaction, then tell provisioning by task
name (`provisioning.tasks.on_subscriber_moved`, one argument: the SubscriberMove id) once the
transaction has committed, so the mno app never imports provisioning.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from enstream.audit.services import audit_record
from enstream.celery import app
from mno.errors import RegistryError
from mno.identifiers import normalize_iccid, normalize_msisdn
from mno.models import MNO
from mno.registry import (
    AssignmentReason,
    MoveKind,
    MsisdnAssignment,
    Scp,
    SecureElement,
    SeStatus,
    SubscriberMove,
)

MOVED_TASK = "provisioning.tasks.on_subscriber_moved"
GP_VERSIONS = ("2.1.1", "2.2", "2.2.1", "2.3", "2.3.1")
SCP_I = {Scp.SCP02: (0x15, 0x55), Scp.SCP03: (0x00, 0x10, 0x20, 0x30, 0x60, 0x70)}
# The largest SE memory we expect to see reported (an eSE or a large UICC).
MAX_MEMORY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Capabilities:
    nfc_capable: bool = True
    gp_version: str = "2.3.1"
    scp: int = Scp.SCP03
    scp_i: int = 0x70
    free_nv_bytes: int = 0
    free_v_bytes: int = 0

    def check(self) -> "Capabilities":
        """Self, or RegistryError naming the first capability out of range."""
        if self.gp_version not in GP_VERSIONS:
            raise RegistryError(
                "invalid_capability",
                f"GP version is one of {', '.join(GP_VERSIONS)}.",
                field="gp_version",
            )
        if self.scp not in SCP_I:
            raise RegistryError("invalid_capability", "SCP is 02 or 03.", field="scp")
        if self.scp_i not in SCP_I[self.scp]:
            allowed = " ".join(f"{i:02X}" for i in SCP_I[self.scp])
            raise RegistryError(
                "invalid_capability", f"SCP{self.scp:02d} i is one of {allowed}.", field="scp_i"
            )
        for name in ("free_nv_bytes", "free_v_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise RegistryError("invalid_capability", f"{name} is bytes.", field=name)
            if not 0 <= value <= MAX_MEMORY_BYTES:
                raise RegistryError(
                    "invalid_capability", f"{name} is 0 to {MAX_MEMORY_BYTES}.", field=name
                )
        return self


def _notify_moved(move: SubscriberMove) -> None:
    move_id = move.pk
    transaction.on_commit(lambda: app.send_task(MOVED_TASK, args=[move_id]))


@transaction.atomic
def se_register(
    *,
    mno: MNO,
    iccid: str,
    msisdn: str | None = None,
    capabilities: Capabilities | None = None,
    sandbox: bool = False,
    actor: Any = None,
) -> SecureElement:
    """Add one SE to the registry (with its line, if it already has one)."""
    iccid = normalize_iccid(iccid)
    number = normalize_msisdn(msisdn) if msisdn else None
    caps = (capabilities or Capabilities()).check()
    if SecureElement.objects.filter(iccid=iccid).exists():
        raise RegistryError("iccid_taken", f"{iccid} is already registered.", field="iccid")
    if number and _active_on(number, sandbox=sandbox) is not None:
        raise RegistryError("msisdn_taken", f"{number} is on another active SE.", field="msisdn")
    se = SecureElement.objects.create(
        iccid=iccid, mno=mno, msisdn=number, sandbox=sandbox, **caps.__dict__
    )
    if number:
        MsisdnAssignment.objects.create(se=se, msisdn=number, reason=AssignmentReason.REGISTERED)
    if actor is not None:
        audit_record(action="se.register", obj=se, actor=actor, changes={"iccid": iccid})
    return se


def _active_on(msisdn: str, *, sandbox: bool) -> SecureElement | None:
    return (
        SecureElement.objects.select_for_update()
        .filter(msisdn=msisdn, status=SeStatus.ACTIVE, sandbox=sandbox)
        .first()
    )


def _line(msisdn: str, *, sandbox: bool) -> tuple[str, SecureElement]:
    number = normalize_msisdn(msisdn)
    current = _active_on(number, sandbox=sandbox)
    if current is None:
        raise RegistryError("msisdn_unknown", f"No active SE serves {number}.", field="msisdn")
    return number, current


def _spare(iccid: str, *, mno: MNO, sandbox: bool) -> SecureElement:
    se = SecureElement.objects.select_for_update().filter(iccid=normalize_iccid(iccid)).first()
    if se is None:
        raise RegistryError(
            "iccid_unknown", f"{iccid} is not in the registry: import it first.", field="iccid"
        )
    if se.mno_id != mno.pk:
        raise RegistryError("wrong_network", f"{se.iccid} is a SIM of {se.mno}.", field="iccid")
    if se.status != SeStatus.ACTIVE or se.msisdn or se.sandbox != sandbox:
        raise RegistryError(
            "sim_not_spare",
            f"{se.iccid} is not a spare active SIM (it has a line or is not active).",
            field="iccid",
        )
    return se


def _move_line(number: str, old: SecureElement, new: SecureElement, reason: str) -> None:
    now = timezone.now()
    MsisdnAssignment.objects.filter(se=old, ended_at__isnull=True).update(ended_at=now)
    # The old SIM leaves service: a swapped-out or ported-away card is never reached again.
    SecureElement.objects.filter(pk=old.pk).update(
        msisdn=None, status=SeStatus.RETIRED, updated_at=now
    )
    SecureElement.objects.filter(pk=new.pk).update(msisdn=number, updated_at=now)
    MsisdnAssignment.objects.create(se=new, msisdn=number, reason=reason, started_at=now)
    old.refresh_from_db()
    new.refresh_from_db()


def _label(actor: Any) -> str:
    return str(getattr(actor, "email", "") or actor or "system")[:200]


@transaction.atomic
def se_swap_sim(*, msisdn: str, new_iccid: str, actor: Any) -> SubscriberMove:
    """The line moves to a new SIM of the same network; the old SIM is retired."""
    number, old = _line(msisdn, sandbox=False)
    return _swap(number, old, new_iccid, actor)


def _swap(number: str, old: SecureElement, new_iccid: str, actor: Any) -> SubscriberMove:
    new = _spare(new_iccid, mno=old.mno, sandbox=old.sandbox)
    _move_line(number, old, new, AssignmentReason.SIM_SWAP)
    move = SubscriberMove.objects.create(
        kind=MoveKind.SIM_SWAP,
        msisdn=number,
        from_se=old,
        to_se=new,
        from_mno_id=old.mno_id,
        to_mno_id=new.mno_id,
        actor_label=_label(actor),
    )
    audit_record(
        action="se.sim_swap",
        obj=move,
        actor=actor,
        changes={"msisdn": number, "iccid": [old.iccid, new.iccid]},
    )
    _notify_moved(move)
    return move


@transaction.atomic
def se_sandbox_swap_sim(*, msisdn: str, new_iccid: str, actor: Any) -> SubscriberMove:
    """As `se_swap_sim`, within the sandbox fleet."""
    number, old = _line(msisdn, sandbox=True)
    return _swap(number, old, new_iccid, actor)


@transaction.atomic
def se_port(
    *, msisdn: str, to_mno: MNO, new_iccid: str | None = None, actor: Any = None
) -> SubscriberMove:
    """The line moves to another network: onto a new SIM of that network (`new_iccid`), or,
    without one, the SE itself is now served by `to_mno`."""
    number, old = _line(msisdn, sandbox=False)
    if old.mno_id == to_mno.pk:
        raise RegistryError("same_network", f"{number} is already on {to_mno}.", field="to_mno")
    from_mno_id = old.mno_id
    if new_iccid:
        new = _spare(new_iccid, mno=to_mno, sandbox=old.sandbox)
        _move_line(number, old, new, AssignmentReason.PORT)
    else:
        SecureElement.objects.filter(pk=old.pk).update(mno=to_mno, updated_at=timezone.now())
        now = timezone.now()
        MsisdnAssignment.objects.filter(se=old, ended_at__isnull=True).update(ended_at=now)
        MsisdnAssignment.objects.create(
            se=old, msisdn=number, reason=AssignmentReason.PORT, started_at=now
        )
        old.refresh_from_db()
        new = old
    move = SubscriberMove.objects.create(
        kind=MoveKind.PORT,
        msisdn=number,
        from_se=old,
        to_se=new,
        from_mno_id=from_mno_id,
        to_mno=to_mno,
        actor_label=_label(actor),
    )
    audit_record(
        action="se.port",
        obj=move,
        actor=actor,
        changes={"msisdn": number, "mno": [from_mno_id, to_mno.pk], "iccid": new.iccid},
    )
    _notify_moved(move)
    return move


@transaction.atomic
def se_status_set(*, se: SecureElement, status: str, actor: Any = None) -> SecureElement:
    """Suspend (lost, stolen, unpaid), resume or retire an SE."""
    if status not in SeStatus.values:
        raise RegistryError("invalid_status", f"{status!r} is not an SE status.", field="status")
    if se.status == SeStatus.RETIRED and status != SeStatus.RETIRED:
        raise RegistryError("se_retired", f"{se.iccid} is retired for good.", field="status")
    before = se.status
    se.status = status
    se.updated_at = timezone.now()
    if status == SeStatus.RETIRED and se.msisdn:
        MsisdnAssignment.objects.filter(se=se, ended_at__isnull=True).update(ended_at=se.updated_at)
        se.msisdn = None
    try:
        with transaction.atomic():
            se.save(update_fields=["status", "msisdn", "updated_at"])
    except IntegrityError:
        raise RegistryError(
            "msisdn_taken",
            f"{se.msisdn} has moved to another SE meanwhile: {se.iccid} cannot be resumed.",
            field="status",
        ) from None
    audit_record(action="se.status", obj=se, actor=actor, changes={"status": [before, status]})
    return se
