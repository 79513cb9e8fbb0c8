"""The status machines of the commercial model, as explicit tables.

Each edge names the permission it needs and whether a reason must be given. Services call
`check` before they move a status; pages call `targets` to offer only the moves the user may
make. docs/commercial-model.md prints these tables.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from enstream.accounts.roles import Perm, has_perm
from issuers.errors import CommercialError, forbidden, invalid_transition
from issuers.models import AgreementStatus, AllocationStatus, IssuerStatus, LineStatus


@dataclass(frozen=True)
class Edge:
    perm: Perm
    reason_required: bool = False


@dataclass(frozen=True)
class Target:
    status: str
    label: str
    reason_required: bool


@dataclass(frozen=True)
class StateMachine:
    entity: str
    statuses: type[models.TextChoices]
    edges: Mapping[tuple[str, str], Edge]

    def check(self, *, current: str, target: str, actor: Any, reason: str = "") -> Edge:
        edge = self.edges.get((current, target))
        if edge is None:
            raise invalid_transition(
                self.entity, self.statuses(current).label.lower(), self._label(target).lower()
            )
        require(actor, edge.perm, f"make a {self.entity} {self._label(target).lower()}")
        if edge.reason_required and not reason.strip():
            raise CommercialError(
                "reason_required",
                f"Give a reason to make a {self.entity} {self._label(target).lower()}.",
                field="reason",
            )
        return edge

    def targets(self, current: str, user: Any) -> list[Target]:
        return [
            Target(target, self._label(target), edge.reason_required)
            for (source, target), edge in self.edges.items()
            if source == current and has_perm(user, edge.perm)
        ]

    def _label(self, status: str) -> str:
        try:
            return str(self.statuses(status).label)
        except ValueError:
            return status


def require(actor: Any, perm: Perm, doing: str) -> None:
    if not has_perm(actor, perm):
        raise forbidden(f"Your role may not {doing}.")


def save_as(obj: models.Model, actor: Any, *, reason: str = "") -> None:
    """Validate and save, recording who made the change (and why) in the object's history."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise CommercialError(
            "invalid", " ".join(messages), field=None if field == "__all__" else field
        ) from exc
    obj._history_user = actor  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()


_I, _A, _L, _AL = IssuerStatus, AgreementStatus, LineStatus, AllocationStatus

ISSUER = StateMachine(
    "issuer",
    IssuerStatus,
    {
        (_I.PROSPECT, _I.ONBOARDING): Edge(Perm.ISSUERS_MANAGE),
        (_I.ONBOARDING, _I.LIVE): Edge(Perm.ISSUERS_MANAGE),
        (_I.LIVE, _I.SUSPENDED): Edge(Perm.ISSUERS_MANAGE, reason_required=True),
        (_I.SUSPENDED, _I.LIVE): Edge(Perm.ISSUERS_MANAGE),
        **{
            (source, _I.TERMINATED): Edge(Perm.ISSUERS_MANAGE, reason_required=True)
            for source in (_I.PROSPECT, _I.ONBOARDING, _I.LIVE, _I.SUSPENDED)
        },
    },
)

AGREEMENT = StateMachine(
    "resale agreement",
    AgreementStatus,
    {
        (_A.DRAFT, _A.SIGNED): Edge(Perm.AGREEMENTS_MANAGE),
        (_A.SIGNED, _A.ACTIVE): Edge(Perm.AGREEMENTS_MANAGE),
        **{
            (source, _A.ENDED): Edge(Perm.AGREEMENTS_MANAGE, reason_required=True)
            for source in (_A.DRAFT, _A.SIGNED, _A.ACTIVE)
        },
    },
)

NETWORK_LINE = StateMachine(
    "network line",
    LineStatus,
    {
        (_L.PLANNED, _L.LIVE): Edge(Perm.AGREEMENTS_MANAGE),
        (_L.PLANNED, _L.WITHDRAWN): Edge(Perm.AGREEMENTS_MANAGE, reason_required=True),
        (_L.LIVE, _L.WITHDRAWN): Edge(Perm.AGREEMENTS_MANAGE, reason_required=True),
    },
)

ALLOCATION = StateMachine(
    "SE space allocation",
    AllocationStatus,
    {
        (_AL.REQUESTED, _AL.APPROVED): Edge(Perm.ALLOCATIONS_APPROVE),
        (_AL.REQUESTED, _AL.REJECTED): Edge(Perm.ALLOCATIONS_APPROVE, reason_required=True),
        (_AL.REQUESTED, _AL.CANCELLED): Edge(Perm.ALLOCATIONS_REQUEST),
        (_AL.APPROVED, _AL.REVOKED): Edge(Perm.ALLOCATIONS_APPROVE, reason_required=True),
    },
)
