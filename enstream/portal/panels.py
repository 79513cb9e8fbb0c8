"""The portal's own dashboard panels: who is on the platform, and the user's organisation."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from enstream.accounts.models import Organisation, User
from enstream.accounts.roles import OrgKind, Role
from enstream.portal.dashboard import dashboard_panel
from enstream.portal.navigation import ENSTREAM, ISSUER, MNO


@dashboard_panel(
    title="Tenants", template="portal/panels/tenants.html", org_kinds=ENSTREAM, order=10, wide=True
)
def tenants_panel(request: HttpRequest) -> dict[str, Any]:
    organisations = (
        Organisation.objects.for_user(request.user)
        .exclude(kind=OrgKind.ENSTREAM)
        .annotate(
            user_count=Count("users"),
            active_user_count=Count("users", filter=Q(users__is_active=True)),
        )
        .order_by("kind", "name")
    )
    by_kind = dict.fromkeys((OrgKind.ISSUER, OrgKind.MNO), 0)
    for organisation in organisations:
        by_kind[organisation.kind] += 1
    return {
        "organisations": organisations,
        "issuer_count": by_kind[OrgKind.ISSUER],
        "mno_count": by_kind[OrgKind.MNO],
        "user_count": User.objects.for_user(request.user).filter(is_active=True).count(),
    }


def _organisation_context(request: HttpRequest) -> dict[str, Any]:
    organisation = request.user.organisation  # type: ignore[union-attr]
    labels = dict(Role.choices)
    roles = (
        User.objects.for_user(request.user)
        .filter(organisation=organisation, is_active=True)
        .values("role")
        .annotate(count=Count("pk"))
        .order_by("role")
    )
    return {
        "organisation": organisation,
        "roles": [(labels.get(row["role"], row["role"]), row["count"]) for row in roles],
        "user_count": sum(row["count"] for row in roles),
    }


@dashboard_panel(
    title="Your organisation",
    template="portal/panels/organisation.html",
    org_kinds=ISSUER,
    order=10,
)
def issuer_panel(request: HttpRequest) -> dict[str, Any]:
    return _organisation_context(request)


@dashboard_panel(
    title="Your network",
    template="portal/panels/organisation.html",
    org_kinds=MNO,
    order=10,
)
def network_panel(request: HttpRequest) -> dict[str, Any]:
    return _organisation_context(request)
