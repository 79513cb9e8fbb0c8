"""Who may open each commercial page: the role's permission inside its own organisation
(403 without it), and scoping across organisations (404 on another's object)."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.issuers.factories import World
from tests.issuers.helpers import CAST

pytestmark = pytest.mark.django_db

SignIn = Callable[[str], Client]

ENSTREAM = {"enstream_admin", "account_manager", "operations", "finance"}
AM = {"enstream_admin", "account_manager"}
PLAN_WRITERS = AM | {"finance"}
MAPLE = {"maple_admin", "maple_operator", "maple_viewer"}
ISSUER_STAFF = MAPLE | {"prairie_admin", "prairie_viewer", "outsider"}
ISSUER_WRITERS = {"maple_admin", "maple_operator", "prairie_admin", "outsider"}
MNO = {"northwind_viewer"}
EVERYONE = set(CAST)

# url name -> (the object's kwargs from the world, who may open it, who gets 403; the rest 404)
PAGES: dict[str, tuple[Callable[[World], dict], set[str], set[str]]] = {
    "issuers:list": (lambda w: {}, ENSTREAM | ISSUER_STAFF, MNO),
    "issuers:create": (lambda w: {}, AM, EVERYONE - AM),
    "issuers:agreement_list": (lambda w: {}, ENSTREAM | ISSUER_STAFF, MNO),
    "issuers:allocation_list": (lambda w: {}, EVERYONE, set()),
    "issuers:approvals": (lambda w: {}, AM, EVERYONE - AM),
    "issuers:allocation_request": (
        lambda w: {},
        AM | ISSUER_WRITERS,
        EVERYONE - AM - ISSUER_WRITERS,
    ),
    "networks:list": (lambda w: {}, ENSTREAM | MNO, ISSUER_STAFF),
    "billing:price_plan_list": (lambda w: {}, ENSTREAM | ISSUER_STAFF, MNO),
    "billing:price_plan_create": (lambda w: {}, PLAN_WRITERS, EVERYONE - PLAN_WRITERS),
    "issuers:detail": (lambda w: {"pk": w.maple.pk}, ENSTREAM | MAPLE, set()),
    "issuers:agreement_create": (lambda w: {"pk": w.maple.pk}, AM, (ENSTREAM - AM) | MAPLE),
    "issuers:agreement_detail": (lambda w: {"pk": w.maple_agreement.pk}, ENSTREAM | MAPLE, set()),
    "issuers:agreement_edit": (
        lambda w: {"pk": w.maple_agreement.pk},
        AM,
        (ENSTREAM - AM) | MAPLE,
    ),
    "issuers:allocation_detail": (
        lambda w: {"pk": w.maple_approved.pk},
        ENSTREAM | MAPLE | MNO,
        set(),
    ),
    "networks:detail": (lambda w: {"pk": w.northwind.pk}, ENSTREAM | MNO, set()),
    "billing:price_plan_detail": (
        lambda w: {"pk": w.plan.pk},
        ENSTREAM | MAPLE | {"prairie_admin", "prairie_viewer"},
        set(),
    ),
    "billing:price_plan_new_version": (
        lambda w: {"pk": w.plan.pk},
        PLAN_WRITERS,
        (ENSTREAM - PLAN_WRITERS) | MAPLE | {"prairie_admin", "prairie_viewer"},
    ),
}


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_each_page_opens_for_those_who_may_see_it_only(
    url_name: str, world: World, as_user: SignIn
) -> None:
    kwargs, allowed, forbidden = PAGES[url_name]
    url = reverse(url_name, kwargs=kwargs(world))
    wrong = []
    for who in CAST:
        expected = 200 if who in allowed else 403 if who in forbidden else 404
        status = as_user(who).get(url).status_code
        if status != expected:
            wrong.append(f"{who}: {status}, expected {expected}")
    assert not wrong, f"{url_name}: " + "; ".join(wrong)


@pytest.mark.parametrize(
    ("url_name", "target"),
    [("issuers:our_agreement", "/issuers/agreements/"), ("networks:ours", "/networks/")],
)
def test_the_own_organisation_shortcuts_send_each_kind_to_its_page(
    url_name: str, target: str, world: World, as_user: SignIn
) -> None:
    response = as_user("account_manager").get(reverse(url_name))
    assert response["Location"] == target
