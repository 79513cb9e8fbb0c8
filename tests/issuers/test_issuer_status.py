import pytest

from enstream.accounts.models import Organisation
from enstream.audit.models import AuditEntry
from issuers.errors import CommercialError
from issuers.models import Issuer, IssuerStatus
from issuers.selectors import transitions_available
from issuers.services import issuer_create, issuer_transition, issuer_update
from tests.cast import Cast
from tests.issuers.factories import IssuerFactory, World
from tests.issuers.helpers import ACCOUNT_MANAGERS, CAST, member

S = IssuerStatus
MOVES = [
    (S.PROSPECT, S.ONBOARDING, ""),
    (S.ONBOARDING, S.LIVE, ""),
    (S.LIVE, S.SUSPENDED, "Unpaid invoices"),
    (S.SUSPENDED, S.LIVE, ""),
    (S.PROSPECT, S.TERMINATED, "Chose another provider"),
    (S.LIVE, S.TERMINATED, "Contract ended"),
]


@pytest.mark.parametrize("who", CAST)
@pytest.mark.parametrize(("source", "target", "reason"), MOVES)
def test_only_account_managers_move_an_issuer_along(
    world: World, cast: Cast, who: str, source: str, target: str, reason: str
) -> None:
    issuer = world.prairie  # its agreement is in force, so it may go live
    Issuer.objects.filter(pk=issuer.pk).update(status=source)

    if who in ACCOUNT_MANAGERS:
        moved = issuer_transition(issuer=issuer, to=target, actor=member(cast, who), reason=reason)
        assert moved.status == target
    else:
        with pytest.raises(CommercialError) as refused:
            issuer_transition(issuer=issuer, to=target, actor=member(cast, who), reason=reason)
        assert refused.value.code == "permission_denied"
        assert refused.value.status == 403
        issuer.refresh_from_db()
        assert issuer.status == source


@pytest.mark.parametrize("target", [S.SUSPENDED, S.TERMINATED])
def test_suspending_or_terminating_needs_a_reason(world: World, cast: Cast, target: str) -> None:
    with pytest.raises(CommercialError) as refused:
        issuer_transition(issuer=world.maple, to=target, actor=cast.account_manager, reason=" ")

    assert refused.value.code == "reason_required"
    assert refused.value.field == "reason"


def test_going_live_needs_a_resale_agreement_in_force(cast: Cast) -> None:
    issuer = IssuerFactory(status=S.ONBOARDING)

    with pytest.raises(CommercialError) as refused:
        issuer_transition(issuer=issuer, to=S.LIVE, actor=cast.account_manager)

    assert refused.value.code == "no_agreement_in_force"
    assert "sign and activate one first" in refused.value.message


@pytest.mark.parametrize(
    ("source", "target"),
    [(S.TERMINATED, S.LIVE), (S.PROSPECT, S.LIVE), (S.LIVE, S.ONBOARDING), (S.LIVE, S.PROSPECT)],
)
def test_a_move_the_machine_does_not_allow_is_refused_with_a_clear_message(
    cast: Cast, source: str, target: str
) -> None:
    issuer = IssuerFactory(status=source)

    with pytest.raises(CommercialError) as refused:
        issuer_transition(issuer=issuer, to=target, actor=cast.enstream_admin)

    assert refused.value.code == "invalid_transition"
    assert refused.value.status == 409
    assert refused.value.message == (
        f"This issuer is {S(source).label.lower()}: it cannot become {S(target).label.lower()}."
    )


def test_a_move_is_audited_and_kept_in_history_with_who_why_and_when(
    world: World, cast: Cast
) -> None:
    issuer_transition(
        issuer=world.maple, to=S.SUSPENDED, actor=cast.account_manager, reason="Fraud review"
    )

    entry = AuditEntry.objects.filter(action="issuer.status").get()
    assert entry.actor_id == cast.account_manager.pk
    assert entry.organisation_id == cast.maple.pk
    assert entry.changes["status"] == ["live", "suspended"]
    assert entry.detail == "Fraud review"
    latest = world.maple.history.first()
    assert latest.history_user == cast.account_manager
    assert latest.history_change_reason == "Fraud review"
    assert latest.status == S.SUSPENDED


def test_the_moves_offered_are_those_the_user_may_make(world: World, cast: Cast) -> None:
    offered = {
        t.status: t.reason_required
        for t in transitions_available(world.maple, cast.account_manager)
    }

    assert offered == {S.SUSPENDED: True, S.TERMINATED: True}
    assert transitions_available(world.maple, cast.maple_admin) == []


def test_creating_an_issuer_creates_its_organisation_as_a_prospect(cast: Cast) -> None:
    issuer = issuer_create(
        actor=cast.account_manager,
        legal_name="Aurora Savings Bank",
        kind="bank",
        payment_networks=["interac", "visa", "visa"],
        contacts=[{"name": "Ann Lee", "email": "ann@aurora.example"}],
    )

    assert issuer.status == S.PROSPECT
    assert issuer.organisation.kind == "issuer"
    assert issuer.organisation.slug == "aurora-savings-bank"
    assert issuer.payment_networks == ["visa", "interac"]
    assert issuer.contacts == [
        {"name": "Ann Lee", "role": "", "email": "ann@aurora.example", "phone": ""}
    ]
    assert AuditEntry.objects.filter(action="issuer.create", object_id=str(issuer.pk)).exists()


@pytest.mark.parametrize(
    ("arguments", "code", "field"),
    [
        ({"legal_name": "Maple Bank"}, "organisation_exists", "name"),
        ({"kind": "casino"}, "unknown_issuer_kind", "kind"),
        ({"payment_networks": ["amex"]}, "unknown_payment_network", "payment_networks"),
        ({"contacts": [{"name": "No way to reach"}]}, "invalid_contact", "contacts[0]"),
        ({"contacts": [{"name": "X", "email": "not-an-email"}]}, "invalid_contact", "contacts[0]"),
        ({"legal_name": "  "}, "required", "legal_name"),
    ],
)
def test_bad_issuer_details_are_refused_with_a_code(
    cast: Cast, arguments: dict, code: str, field: str
) -> None:
    with pytest.raises(CommercialError) as refused:
        issuer_create(
            actor=cast.account_manager,
            **({"legal_name": "New Bank", "kind": "bank"} | arguments),
        )

    assert (refused.value.code, refused.value.field) == (code, field)


def test_an_mno_organisation_cannot_become_an_issuer(cast: Cast) -> None:
    with pytest.raises(CommercialError) as refused:
        issuer_create(
            actor=cast.account_manager,
            legal_name="Northwind",
            kind="other",
            organisation=cast.northwind,
        )

    assert refused.value.code == "wrong_organisation_kind"
    assert not Organisation.objects.filter(issuer__isnull=False).exists()


def test_updating_an_issuer_changes_only_what_is_given(world: World, cast: Cast) -> None:
    issuer_update(issuer=world.maple, actor=cast.account_manager, payment_networks=["mastercard"])

    world.maple.refresh_from_db()
    assert world.maple.payment_networks == ["mastercard"]
    assert world.maple.legal_name == "Maple Bank of Canada"
    assert world.maple.history.first().history_user == cast.account_manager
