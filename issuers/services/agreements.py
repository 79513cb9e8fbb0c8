"""Resale agreements and their network lines: write, sign, activate, phase in, end."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.models import PricePlan
from enstream.accounts.roles import Perm
from enstream.audit.services import audit_record
from issuers import transitions
from issuers.errors import CommercialError
from issuers.models import (
    AgreementStatus,
    Issuer,
    IssuerStatus,
    NetworkLine,
    ResaleAgreement,
)
from issuers.models.agreements import MAX_NETWORKS
from issuers.services import rules
from issuers.services.network_lines import withdraw_line
from issuers.transitions import require, save_as
from mno.models import MNO, MnoStatus


def _check_term(effective_on: date, expires_on: date) -> None:
    if expires_on < effective_on:
        raise CommercialError(
            "term_out_of_order",
            "The agreement must expire on or after the day it takes effect.",
            field="expires_on",
        )


def _check_no_overlap(
    issuer: Issuer, effective_on: date, last_day: date, *, exclude: int | None = None
) -> None:
    others = issuer.agreements.occupying_term().exclude(pk=exclude)
    for other in others:
        if other.effective_on <= last_day and effective_on <= other.last_day:
            raise CommercialError(
                "agreement_overlap",
                f"{issuer} already has agreement {other.number} ({other.get_status_display()}, "
                f"{other.effective_on} to {other.last_day}); an issuer has one agreement at a "
                "time, so terms cannot overlap.",
                field="effective_on",
            )


def _next_number(issuer: Issuer) -> str:
    stem = f"RA-{issuer.organisation.slug.upper()}-"
    count = ResaleAgreement.objects.filter(number__startswith=stem).count()
    while ResaleAgreement.objects.filter(number=f"{stem}{count + 1:02d}").exists():
        count += 1
    return f"{stem}{count + 1:02d}"


@transaction.atomic
def agreement_create(
    *,
    issuer: Issuer,
    actor: Any,
    effective_on: date,
    expires_on: date,
    price_plan: PricePlan,
    number: str | None = None,
) -> ResaleAgreement:
    """A draft resale agreement; add its network lines, then sign it."""
    require(actor, Perm.AGREEMENTS_MANAGE, "write a resale agreement")
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    if issuer.status == IssuerStatus.TERMINATED:
        raise CommercialError("issuer_terminated", f"{issuer} is terminated.", field="issuer")
    _check_term(effective_on, expires_on)
    _check_no_overlap(issuer, effective_on, expires_on)
    if number and ResaleAgreement.objects.filter(number=number).exists():
        raise CommercialError("number_taken", f"Number {number} is taken.", field="number")
    agreement = ResaleAgreement(
        issuer=issuer,
        number=number or _next_number(issuer),
        effective_on=effective_on,
        expires_on=expires_on,
        price_plan=price_plan,
        created_by=actor,
    )
    save_as(agreement, actor)
    audit_record(
        action="agreement.create",
        obj=agreement,
        actor=actor,
        changes={"term": [str(effective_on), str(expires_on)], "price_plan": price_plan.code},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement: ResaleAgreement,
    actor: Any,
    effective_on: date | None = None,
    expires_on: date | None = None,
    price_plan: PricePlan | None = None,
) -> ResaleAgreement:
    """Change a draft's term or price plan; a signed agreement is changed by a new one."""
    require(actor, Perm.AGREEMENTS_MANAGE, "change a resale agreement")
    agreement = ResaleAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status != AgreementStatus.DRAFT:
        raise CommercialError(
            "agreement_not_draft",
            f"Agreement {agreement.number} is {agreement.get_status_display().lower()}: only a "
            "draft can be changed.",
            field="status",
        )
    before = (agreement.effective_on, agreement.expires_on, agreement.price_plan_id)
    agreement.effective_on = effective_on or agreement.effective_on
    agreement.expires_on = expires_on or agreement.expires_on
    agreement.price_plan = price_plan or agreement.price_plan
    _check_term(agreement.effective_on, agreement.expires_on)
    _check_no_overlap(
        agreement.issuer, agreement.effective_on, agreement.expires_on, exclude=agreement.pk
    )
    for line in agreement.lines.current():
        rules.check_within_term(agreement, line.phase_in_on, "effective_on")
    save_as(agreement, actor)
    after = (agreement.effective_on, agreement.expires_on, agreement.price_plan_id)
    audit_record(
        action="agreement.update",
        obj=agreement,
        actor=actor,
        changes={"term_and_plan": [[str(v) for v in before], [str(v) for v in after]]},
    )
    return agreement


@transaction.atomic
def agreement_add_network_line(
    *, agreement: ResaleAgreement, mno: MNO, phase_in_on: date, actor: Any
) -> NetworkLine:
    """Add one MNO's network to the agreement, to be phased in on `phase_in_on`. The line
    takes the agreement's terms as they are: it carries no price of its own."""
    require(actor, Perm.AGREEMENTS_MANAGE, "add a network to a resale agreement")
    agreement = ResaleAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status == AgreementStatus.ENDED:
        raise CommercialError(
            "agreement_ended", f"Agreement {agreement.number} has ended.", field="agreement"
        )
    if mno.status == MnoStatus.RETIRED:
        raise CommercialError("mno_retired", f"{mno} is retired.", field="mno")
    rules.check_within_term(agreement, phase_in_on, "phase_in_on")
    current = agreement.lines.current()
    if current.filter(mno=mno).exists():
        raise CommercialError(
            "network_already_on_agreement",
            f"{mno} is already on agreement {agreement.number}.",
            field="mno",
        )
    if current.count() >= MAX_NETWORKS:
        raise CommercialError(
            "too_many_networks",
            f"Agreement {agreement.number} already covers {MAX_NETWORKS} networks, the most "
            "one agreement can.",
            field="mno",
        )
    rules.check_wholesale(mno, phase_in_on, "phase_in_on")
    line = NetworkLine(agreement=agreement, mno=mno, phase_in_on=phase_in_on)
    save_as(line, actor)
    audit_record(
        action="network_line.add",
        obj=line,
        actor=actor,
        changes={"mno": mno.short_code, "phase_in_on": str(phase_in_on)},
    )
    return line


@transaction.atomic
def agreement_sign(
    *, agreement: ResaleAgreement, actor: Any, signed_on: date | None = None
) -> ResaleAgreement:
    """draft -> signed: the agreement needs at least one network and a price plan version in
    effect on its first day."""
    agreement = ResaleAgreement.objects.select_for_update().get(pk=agreement.pk)
    transitions.AGREEMENT.check(
        current=agreement.status, target=AgreementStatus.SIGNED, actor=actor
    )
    if not agreement.lines.current().exists():
        raise CommercialError(
            "agreement_has_no_networks",
            f"Agreement {agreement.number} covers no network yet: add a network line first.",
            field="lines",
        )
    if agreement.price_plan.version_on(agreement.effective_on) is None:
        raise CommercialError(
            "price_plan_not_in_effect",
            f"Price plan {agreement.price_plan} has no version in effect on "
            f"{agreement.effective_on}.",
            field="price_plan",
        )
    _check_no_overlap(
        agreement.issuer, agreement.effective_on, agreement.expires_on, exclude=agreement.pk
    )
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = signed_on or rules.today()
    save_as(agreement, actor)
    audit_record(
        action="agreement.sign",
        obj=agreement,
        actor=actor,
        changes={"status": [AgreementStatus.DRAFT, AgreementStatus.SIGNED]},
    )
    return agreement


@transaction.atomic
def agreement_activate(*, agreement: ResaleAgreement, actor: Any) -> ResaleAgreement:
    """signed -> active, on or after the day it takes effect and before it expires."""
    agreement = ResaleAgreement.objects.select_for_update().get(pk=agreement.pk)
    transitions.AGREEMENT.check(
        current=agreement.status, target=AgreementStatus.ACTIVE, actor=actor
    )
    today = rules.today()
    if today < agreement.effective_on:
        raise CommercialError(
            "agreement_not_yet_effective",
            f"Agreement {agreement.number} takes effect on {agreement.effective_on}; activate "
            "it on or after that day.",
            field="status",
        )
    if today > agreement.expires_on:
        raise CommercialError(
            "agreement_expired",
            f"Agreement {agreement.number} expired on {agreement.expires_on}.",
            field="status",
        )
    agreement.status = AgreementStatus.ACTIVE
    agreement.activated_at = timezone.now()
    save_as(agreement, actor)
    audit_record(
        action="agreement.activate",
        obj=agreement,
        actor=actor,
        changes={"status": [AgreementStatus.SIGNED, AgreementStatus.ACTIVE]},
    )
    return agreement


@transaction.atomic
def agreement_end(
    *, agreement: ResaleAgreement, actor: Any, reason: str, on: date | None = None
) -> ResaleAgreement:
    """End an agreement (a draft or signed one is abandoned). An active one stays in force
    through `on` (default today, not in the past); its network lines are withdrawn with it."""
    agreement = ResaleAgreement.objects.select_for_update().get(pk=agreement.pk)
    current = agreement.status
    transitions.AGREEMENT.check(
        current=current, target=AgreementStatus.ENDED, actor=actor, reason=reason
    )
    last_day = on or rules.today()
    if current == AgreementStatus.ACTIVE:
        if last_day < rules.today():
            raise CommercialError(
                "end_in_past", "An agreement cannot be ended in the past.", field="on"
            )
        if last_day > agreement.expires_on:
            raise CommercialError(
                "end_after_expiry",
                f"Agreement {agreement.number} expires on {agreement.expires_on} anyway.",
                field="on",
            )
        agreement.ended_on = last_day
    agreement.status = AgreementStatus.ENDED
    agreement.end_reason = reason.strip()
    save_as(agreement, actor, reason=reason)
    for line in agreement.lines.current():
        withdraw_line(line, actor, reason=f"Agreement ended: {reason.strip()}", last_day=last_day)
    audit_record(
        action="agreement.end",
        obj=agreement,
        actor=actor,
        changes={"status": [current, AgreementStatus.ENDED], "ended_on": str(agreement.ended_on)},
        detail=reason,
    )
    return agreement
