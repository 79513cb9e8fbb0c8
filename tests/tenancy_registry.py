"""Every URL that names an object, and who must get 404 on it.

tests/test_tenancy_walk.py walks every URL pattern of the project; a pattern that takes
keyword arguments must have a case here (or an exclusion with its reason), or the walk fails.
A case builds one object owned by one organisation of the cast and returns the URL's
kwargs, the members of other organisations who must get 404 on it (users whose role would let
them open such an object in their own organisation, so that 404 proves the scoping, not
a role check), and optionally a user who may open it, to prove the object is really there.

    @tenancy_case("issuers:allocation_detail")
    def _allocation(cast: Cast) -> Case:
        allocation = AllocationFactory(network_line__agreement__issuer__organisation=cast.maple)
        return {"pk": allocation.pk}, [cast.prairie_admin, cast.outsider], cast.maple_viewer
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from enstream.accounts.models import Invitation, User
from enstream.apikeys.services import apikey_create
from enstream.audit.services import audit_record
from enstream.webhooks.models import EventType, WebhookDelivery, WebhookEvent
from enstream.webhooks.services import webhook_endpoint_create
from tests.billing.factories import standard_plan
from tests.cast import Cast
from tests.issuers.factories import ResaleAgreementFactory, build_world

Case = tuple[dict[str, Any], list[User]] | tuple[dict[str, Any], list[User], User]
TENANCY_CASES: dict[str, Callable[[Cast], Case]] = {}

# URL names (or a whole namespace, as "admin:") that take arguments but name no tenant's
# object, with the reason.
EXCLUDED: dict[str, str] = {
    "admin:": "the Django admin opens to EnStream admins only (accounts/admin_site.py); no "
    "tenant user gets past its door, so there is no tenant scoping to test inside it",
    "accounts:invitation_accept": "the path holds the invitation's secret token, not an id: "
    "possessing the token is the permission (tests/accounts cover wrong and used tokens)",
    "accounts:password_reset_confirm": "Django's signed reset link: uid and token are checked "
    "together by Django, for anonymous visitors",
}


def tenancy_case(url_name: str) -> Callable[[Callable[[Cast], Case]], Callable[[Cast], Case]]:
    def register(build: Callable[[Cast], Case]) -> Callable[[Cast], Case]:
        TENANCY_CASES[url_name] = build
        return build

    return register


def _also(*url_names: str) -> Callable[[Callable[[Cast], Case]], Callable[[Cast], Case]]:
    """Register one case under several URLs that act on the same object."""

    def register(build: Callable[[Cast], Case]) -> Callable[[Cast], Case]:
        for name in url_names:
            TENANCY_CASES[name] = build
        return build

    return register


# --- audit -----------------------------------------------------------------------------------


@tenancy_case("audit:detail")
def _audit_entry(cast: Cast) -> Case:
    entry = audit_record(action="allocation.request", organisation=cast.maple)
    return {"pk": entry.pk}, [cast.prairie_admin, cast.outsider], cast.maple_admin


# --- accounts --------------------------------------------------------------------------------


@tenancy_case("accounts:user_edit")
def _user(cast: Cast) -> Case:
    return {"pk": cast.maple_viewer.pk}, [cast.prairie_admin, cast.outsider], cast.maple_admin


@tenancy_case("accounts:invitation_revoke")
def _invitation(cast: Cast) -> Case:
    invitation = Invitation.objects.create(
        organisation=cast.maple,
        email="new.hire@maple.example",
        role="issuer_viewer",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
        invited_by=cast.maple_admin,
    )
    return {"pk": invitation.pk}, [cast.prairie_admin, cast.outsider]


# --- API keys and webhooks -------------------------------------------------------------------


@tenancy_case("apikeys:revoke")
def _api_key(cast: Cast) -> Case:
    key, _ = apikey_create(
        organisation=cast.maple, name="card back end", scopes=["read"], created_by=cast.maple_admin
    )
    return {"pk": key.pk}, [cast.prairie_admin, cast.outsider]


def _maple_endpoint(cast: Cast) -> Any:
    endpoint, _ = webhook_endpoint_create(
        organisation=cast.maple,
        url="https://hooks.maple.example/enstream",
        event_types=[EventType.CREDENTIAL_ACTIVE],
        created_by=cast.maple_admin,
    )
    return endpoint


@_also(
    "webhooks:detail",
    "webhooks:rotate",
    "webhooks:toggle",
    "webhooks:delete",
    "webhook-endpoint-detail",
    "webhook-endpoint-rotate-secret",
)
def _webhook_endpoint(cast: Cast) -> Case:
    return {"pk": _maple_endpoint(cast).pk}, [cast.prairie_admin, cast.outsider]


@tenancy_case("webhooks:resend")
def _webhook_delivery(cast: Cast) -> Case:
    endpoint = _maple_endpoint(cast)
    event = WebhookEvent.objects.create(
        organisation=cast.maple, event_type=EventType.CREDENTIAL_ACTIVE, payload={}
    )
    delivery = WebhookDelivery.objects.create(event=event, endpoint=endpoint)
    return {"pk": delivery.pk}, [cast.prairie_admin, cast.outsider]


# --- commercial: agreements, network lines, allocations, price plans (API v1) ---------------


@_also("agreement-detail", "agreement-activate", "agreement-end", "agreement-sign")
def _agreement(cast: Cast) -> Case:
    world = build_world(cast)
    return (
        {"pk": world.maple_agreement.pk},
        [cast.prairie_admin, cast.prairie_viewer, cast.outsider],
    )


@_also("network-line-detail", "network-line-phase-in", "network-line-withdraw")
def _network_line(cast: Cast) -> Case:
    # Lakeshore is not Northwind's network: its viewer must not see the line either.
    world = build_world(cast)
    return (
        {"pk": world.maple_lakeshore.pk},
        [cast.prairie_admin, cast.outsider, cast.northwind_viewer],
    )


@_also(
    "allocation-detail",
    "allocation-approve",
    "allocation-cancel",
    "allocation-reject",
    "allocation-revoke",
)
def _allocation(cast: Cast) -> Case:
    world = build_world(cast)
    return (
        {"pk": world.maple_requested.pk},
        [cast.prairie_admin, cast.outsider, cast.northwind_viewer],
    )


@_also("price-plan-detail", "price-plan-quote", "price-plan-versions")
def _price_plan(cast: Cast) -> Case:
    # A plan only Maple's agreement uses: other issuers must not learn its prices.
    world = build_world(cast)
    plan = standard_plan(code="maple-negotiated", name="Maple negotiated")
    ResaleAgreementFactory(issuer=world.maple, number="RA-MAPLE-02", price_plan=plan)
    return {"pk": plan.pk}, [cast.prairie_admin, cast.outsider, cast.northwind_viewer]


# --- cases kept with their apps' tests register themselves on import -------------------------

import tests.api_credentials.tenancy_cases  # noqa: E402  (the credential API)
import tests.ledger.tenancy_cases  # noqa: E402  (billing: documents, reports)
import tests.pages.tenancy_cases  # noqa: E402  (issuers, networks, price plan pages)
import tests.provisioning.tenancy_cases  # noqa: E402  (credential and job pages)
import tests.registry.tenancy_cases  # noqa: E402, F401  (the SE registry pages)
