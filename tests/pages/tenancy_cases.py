"""Tenancy-walk cases for the commercial pages (registered into tests/tenancy_registry.py).

Each case names members of other organisations whose role would let them open such an object
in their own organisation, so their 404 proves the scoping and not a role check.
"""

from collections.abc import Callable

from tests.billing.factories import standard_plan
from tests.cast import Cast
from tests.issuers.factories import ResaleAgreementFactory, build_world
from tests.tenancy_registry import Case, tenancy_case

Build = Callable[[Cast], Case]


def _pages(*url_names: str) -> Callable[[Build], Build]:
    """One case for several URLs that act on the same object."""

    def register(build: Build) -> Build:
        for name in url_names:
            tenancy_case(name)(build)
        return build

    return register


@tenancy_case("issuers:detail")
def _issuer(cast: Cast) -> Case:
    world = build_world(cast)
    return {"pk": world.maple.pk}, [cast.prairie_admin, cast.outsider], cast.maple_viewer


@_pages("issuers:transition", "issuers:agreement_create")
def _issuer_writes(cast: Cast) -> Case:
    world = build_world(cast)
    return {"pk": world.maple.pk}, [cast.prairie_admin, cast.outsider, cast.northwind_viewer]


@tenancy_case("issuers:agreement_detail")
def _agreement(cast: Cast) -> Case:
    world = build_world(cast)
    outsiders = [cast.prairie_admin, cast.prairie_viewer, cast.outsider, cast.northwind_viewer]
    return {"pk": world.maple_agreement.pk}, outsiders, cast.maple_viewer


@_pages(
    "issuers:agreement_edit",
    "issuers:agreement_sign",
    "issuers:agreement_activate",
    "issuers:agreement_end",
    "issuers:line_add",
)
def _agreement_writes(cast: Cast) -> Case:
    world = build_world(cast)
    return {"pk": world.maple_agreement.pk}, [cast.prairie_admin, cast.outsider]


@_pages("issuers:line_phase_in", "issuers:line_reschedule", "issuers:line_withdraw")
def _network_line(cast: Cast) -> Case:
    # Lakeshore is not Northwind's network: its viewer must not reach the line either.
    world = build_world(cast)
    return {"pk": world.maple_lakeshore.pk}, [
        cast.prairie_admin,
        cast.outsider,
        cast.northwind_viewer,
    ]


@tenancy_case("issuers:allocation_detail")
def _allocation(cast: Cast) -> Case:
    world = build_world(cast)
    outsiders = [cast.prairie_admin, cast.outsider, cast.northwind_viewer]
    return {"pk": world.maple_requested.pk}, outsiders, cast.maple_viewer


@_pages(
    "issuers:allocation_approve",
    "issuers:allocation_reject",
    "issuers:allocation_revoke",
    "issuers:allocation_cancel",
)
def _allocation_writes(cast: Cast) -> Case:
    world = build_world(cast)
    return {"pk": world.maple_requested.pk}, [
        cast.prairie_admin,
        cast.outsider,
        cast.northwind_viewer,
    ]


@tenancy_case("networks:detail")
def _network(cast: Cast) -> Case:
    # Lakeshore's page: Northwind's staff see their own network only, banks no network page.
    world = build_world(cast)
    return {"pk": world.lakeshore.pk}, [cast.northwind_viewer, cast.maple_admin], cast.operations


def _maple_plan(cast: Cast) -> int:
    # A plan only Maple's agreement uses: other issuers must not learn its prices.
    world = build_world(cast)
    plan = standard_plan(code="maple-negotiated", name="Maple negotiated")
    ResaleAgreementFactory(issuer=world.maple, number="RA-MAPLE-02", price_plan=plan)
    return plan.pk


@tenancy_case("billing:price_plan_detail")
def _price_plan(cast: Cast) -> Case:
    outsiders = [cast.prairie_admin, cast.outsider, cast.northwind_viewer]
    return {"pk": _maple_plan(cast)}, outsiders, cast.maple_viewer


@tenancy_case("billing:price_plan_new_version")
def _price_plan_writes(cast: Cast) -> Case:
    return {"pk": _maple_plan(cast)}, [cast.prairie_admin, cast.outsider, cast.northwind_viewer]
