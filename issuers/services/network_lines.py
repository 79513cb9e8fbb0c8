"""Network lines: reschedule, phase in, withdraw."""

from datetime import date
from typing import Any

from django.db import transaction

from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers import transitions
from issuers.errors import CommercialError
from issuers.models import AgreementStatus, LineStatus, NetworkLine
from issuers.services import rules
from issuers.services.allocations import close_allocations_of_line
from issuers.transitions import require, save_as


@transaction.atomic
def network_line_reschedule(*, line: NetworkLine, actor: Any, phase_in_on: date) -> NetworkLine:
    """Move a planned line's phase-in date."""
    require(actor, Perm.AGREEMENTS_MANAGE, "reschedule a network phase-in")
    line = (
        NetworkLine.objects.select_for_update().select_related("agreement", "mno").get(pk=line.pk)
    )
    if line.status != LineStatus.PLANNED:
        raise CommercialError(
            "line_not_planned",
            f"{line.mno} is {line.get_status_display().lower()}: only a planned line moves.",
            field="status",
        )
    rules.check_within_term(line.agreement, phase_in_on, "phase_in_on")
    rules.check_wholesale(line.mno, phase_in_on, "phase_in_on")
    before = line.phase_in_on
    line.phase_in_on = phase_in_on
    save_as(line, actor)
    audit_record(
        action="network_line.reschedule",
        obj=line,
        actor=actor,
        changes={"phase_in_on": [str(before), str(phase_in_on)]},
    )
    return line


@transaction.atomic
def network_line_phase_in(*, line: NetworkLine, actor: Any, on: date | None = None) -> NetworkLine:
    """planned -> live from `on` (default today; not in the future: until then the line is
    planned). The agreement must be active and the MNO's wholesale agreement in force."""
    line = (
        NetworkLine.objects.select_for_update().select_related("agreement", "mno").get(pk=line.pk)
    )
    transitions.NETWORK_LINE.check(current=line.status, target=LineStatus.LIVE, actor=actor)
    day = on or rules.today()
    if line.agreement.status != AgreementStatus.ACTIVE:
        raise CommercialError(
            "agreement_not_active",
            f"Agreement {line.agreement.number} is "
            f"{line.agreement.get_status_display().lower()}: activate it first.",
            field="agreement",
        )
    if day > rules.today():
        raise CommercialError(
            "phase_in_in_future",
            f"{day} is in the future: keep the line planned for that day.",
            field="on",
        )
    rules.check_within_term(line.agreement, day, "on")
    rules.check_wholesale(line.mno, day, "on")
    line.status = LineStatus.LIVE
    line.live_from = day
    save_as(line, actor)
    audit_record(
        action="network_line.phase_in",
        obj=line,
        actor=actor,
        changes={"status": [LineStatus.PLANNED, LineStatus.LIVE], "live_from": str(day)},
    )
    return line


def withdraw_line(line: NetworkLine, actor: Any, *, reason: str, last_day: date) -> None:
    """Withdraw a locked line whose caller has already checked the move (a withdrawal, or the
    end of its agreement): covered through `last_day`, its space closed."""
    before = line.status
    if before == LineStatus.LIVE:
        line.live_until = last_day
    line.status = LineStatus.WITHDRAWN
    line.withdraw_reason = reason.strip()
    save_as(line, actor, reason=reason)
    close_allocations_of_line(line, actor, reason=f"Network withdrawn: {reason.strip()}")
    audit_record(
        action="network_line.withdraw",
        obj=line,
        actor=actor,
        changes={"status": [before, LineStatus.WITHDRAWN], "live_until": str(line.live_until)},
        detail=reason,
    )


@transaction.atomic
def network_line_withdraw(
    *, line: NetworkLine, actor: Any, reason: str, on: date | None = None
) -> NetworkLine:
    """planned or live -> withdrawn. A live line covers its network through `on` (default
    today); its open requests are cancelled and its approved allocations revoked."""
    line = (
        NetworkLine.objects.select_for_update().select_related("agreement", "mno").get(pk=line.pk)
    )
    transitions.NETWORK_LINE.check(
        current=line.status, target=LineStatus.WITHDRAWN, actor=actor, reason=reason
    )
    last_day = on or rules.today()
    if last_day < rules.today():
        raise CommercialError(
            "withdraw_in_past", "A network cannot be withdrawn in the past.", field="on"
        )
    withdraw_line(line, actor, reason=reason, last_day=last_day)
    return line
