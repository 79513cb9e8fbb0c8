"""Issuer onboarding and status."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from enstream.accounts.models import Organisation
from enstream.accounts.roles import OrgKind, Perm
from enstream.audit.services import audit_record
from issuers import transitions
from issuers.errors import CommercialError
from issuers.models import Issuer, IssuerKind, IssuerStatus, PaymentNetwork
from issuers.parties import clean_contacts, tenant_organisation
from issuers.selectors import agreement_in_force
from issuers.transitions import require, save_as


def _clean_networks(networks: Iterable[str]) -> list[str]:
    chosen = set(networks)
    unknown = chosen - set(PaymentNetwork.values)
    if unknown:
        raise CommercialError(
            "unknown_payment_network",
            f"Unknown payment network(s): {', '.join(sorted(unknown))}.",
            field="payment_networks",
        )
    return [code for code in PaymentNetwork.values if code in chosen]


def _clean_kind(kind: str) -> str:
    if kind not in IssuerKind.values:
        raise CommercialError(
            "unknown_issuer_kind", f"No such issuer kind: {kind!r}.", field="kind"
        )
    return kind


@transaction.atomic
def issuer_create(
    *,
    actor: Any,
    legal_name: str,
    kind: str,
    payment_networks: Iterable[str] = (),
    contacts: Iterable[Mapping[str, Any]] = (),
    organisation: Organisation | None = None,
    name: str | None = None,
    slug: str | None = None,
) -> Issuer:
    """A new issuer, as a prospect. Its organisation is created (named `name`, or the legal
    name) unless an existing issuer organisation is given."""
    require(actor, Perm.ISSUERS_MANAGE, "create an issuer")
    if not legal_name.strip():
        raise CommercialError("required", "Give the issuer's legal name.", field="legal_name")
    org = tenant_organisation(
        organisation=organisation, name=name or legal_name, slug=slug, kind=OrgKind.ISSUER
    )
    if Issuer.objects.filter(organisation=org).exists():
        raise CommercialError(
            "issuer_exists", f"{org} is already set up as an issuer.", field="organisation"
        )
    issuer = Issuer(
        organisation=org,
        legal_name=legal_name.strip(),
        kind=_clean_kind(kind),
        payment_networks=_clean_networks(payment_networks),
        contacts=clean_contacts(contacts),
    )
    save_as(issuer, actor)
    audit_record(action="issuer.create", obj=issuer, actor=actor, changes={"kind": kind})
    return issuer


@transaction.atomic
def issuer_update(
    *,
    issuer: Issuer,
    actor: Any,
    legal_name: str | None = None,
    kind: str | None = None,
    payment_networks: Iterable[str] | None = None,
    contacts: Iterable[Mapping[str, Any]] | None = None,
) -> Issuer:
    """Change the given details and leave the rest. Status moves only by issuer_transition."""
    require(actor, Perm.ISSUERS_MANAGE, "change an issuer")
    fields = ("legal_name", "kind", "payment_networks", "contacts")
    before = {name: getattr(issuer, name) for name in fields}
    if legal_name is not None:
        if not legal_name.strip():
            raise CommercialError("required", "Give the issuer's legal name.", field="legal_name")
        issuer.legal_name = legal_name.strip()
    if kind is not None:
        issuer.kind = _clean_kind(kind)
    if payment_networks is not None:
        issuer.payment_networks = _clean_networks(payment_networks)
    if contacts is not None:
        issuer.contacts = clean_contacts(contacts)
    save_as(issuer, actor)
    changes = {
        n: [before[n], getattr(issuer, n)] for n in fields if before[n] != getattr(issuer, n)
    }
    audit_record(action="issuer.update", obj=issuer, actor=actor, changes=changes)
    return issuer


@transaction.atomic
def issuer_transition(*, issuer: Issuer, to: str, actor: Any, reason: str = "") -> Issuer:
    """Move an issuer along prospect -> onboarding -> live <-> suspended, or terminate it.
    Going live needs a resale agreement in force today."""
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    current = issuer.status
    transitions.ISSUER.check(current=current, target=to, actor=actor, reason=reason)
    if to == IssuerStatus.LIVE and agreement_in_force(issuer) is None:
        raise CommercialError(
            "no_agreement_in_force",
            f"{issuer} has no resale agreement in force today: sign and activate one first.",
            field="status",
        )
    issuer.status = to
    issuer.status_reason = reason.strip()
    issuer.status_changed_at = timezone.now()
    save_as(issuer, actor, reason=reason)
    audit_record(
        action="issuer.status",
        obj=issuer,
        actor=actor,
        changes={"status": [current, to]},
        detail=reason,
    )
    return issuer
