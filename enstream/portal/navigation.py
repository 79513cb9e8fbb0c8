"""The portal's navigation: one list every app appends its pages to.

An entry shows only when its URL name resolves (so an app can list a page before it exists)
and the user's role grants its permission and their organisation is of one of its kinds.
Append an entry to NAVIGATION below, in the section where it belongs.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from enstream.accounts.roles import OrgKind, Perm, has_perm

ALL_KINDS: frozenset[str] = frozenset(OrgKind.values)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    perm: Perm | None = None
    org_kinds: frozenset[str] = ALL_KINDS
    section: str = ""


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class NavSection:
    title: str
    links: list[NavLink]


ENSTREAM = frozenset({OrgKind.ENSTREAM})
ISSUER = frozenset({OrgKind.ISSUER})
MNO = frozenset({OrgKind.MNO})

_C = "Commercial"

_B = "Billing"
# Sections show in the order they first appear here.
NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "portal:dashboard"),
    NavEntry("Issuers", "issuers:list", Perm.ISSUERS_VIEW, ENSTREAM, _C),
    NavEntry("Agreements", "issuers:agreement_list", Perm.AGREEMENTS_VIEW, ENSTREAM, _C),
    NavEntry("Our agreement", "issuers:our_agreement", Perm.AGREEMENTS_VIEW, ISSUER, _C),
    NavEntry("Approvals", "issuers:approvals", Perm.ALLOCATIONS_APPROVE, ENSTREAM, _C),
    NavEntry("SE space", "issuers:allocation_list", Perm.ALLOCATIONS_VIEW, ENSTREAM | ISSUER, _C),
    NavEntry("Price plans", "billing:price_plan_list", Perm.PRICE_PLANS_VIEW, ENSTREAM, _C),
    NavEntry("Networks", "networks:list", Perm.MNOS_VIEW, ENSTREAM, _C),
    NavEntry("Our network", "networks:ours", Perm.WHOLESALE_VIEW, MNO, "Networks"),
    NavEntry("SE registry", "mno:se_list", Perm.SE_REGISTRY_VIEW, ENSTREAM | MNO, "Networks"),
    NavEntry("Import SIMs", "mno:se_import", Perm.SE_REGISTRY_IMPORT, ENSTREAM | MNO, "Networks"),
    NavEntry(
        "Network simulation", "mno:network_list", Perm.NETWORK_SETTINGS_MANAGE, ENSTREAM, "Networks"
    ),
    NavEntry(
        "Credentials",
        "provisioning:credential_list",
        Perm.CREDENTIALS_VIEW,
        ENSTREAM | ISSUER,
        "Cards",
    ),
    NavEntry("Jobs board", "provisioning:jobs_board", Perm.JOBS_VIEW, ENSTREAM, "Cards"),
    NavEntry("Diagnostics", "provisioning:diagnostics", Perm.JOBS_VIEW, ENSTREAM, "Cards"),
    NavEntry("Usage reports", "billing_reports:reports", Perm.USAGE_REPORTS_VIEW, section=_B),
    NavEntry("Invoices", "billing_reports:invoices", Perm.INVOICES_VIEW, section=_B),
    NavEntry("Settlements", "billing_reports:settlements", Perm.SETTLEMENTS_VIEW, section=_B),
    NavEntry("Month close", "billing_reports:month_close", Perm.BILLING_CLOSE, section=_B),
    NavEntry("Tax provinces", "billing_reports:billing_profiles", Perm.BILLING_CLOSE, section=_B),
    NavEntry("Audit log", "audit:list", Perm.AUDIT_VIEW, section="Administration"),
    NavEntry("Users", "accounts:users", Perm.USERS_MANAGE, section="Administration"),
    NavEntry("API keys", "apikeys:list", Perm.API_KEYS_MANAGE, section="Administration"),
    NavEntry("Webhooks", "webhooks:list", Perm.WEBHOOKS_MANAGE, ISSUER, section="Administration"),
    NavEntry("My account", "accounts:account", section="Account"),
]


def _matches(url: str, path: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def visible_entries(user: Any, entries: list[NavEntry] | None = None) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    kind = user.organisation.kind
    return [
        entry
        for entry in (NAVIGATION if entries is None else entries)
        if kind in entry.org_kinds and (entry.perm is None or has_perm(user, entry.perm))
    ]


def navigation_for(user: Any, path: str, entries: list[NavEntry] | None = None) -> list[NavSection]:
    """The sections and links `user` may follow; the link that best matches `path` (the
    longest URL it starts with) is marked active."""
    resolved: list[tuple[NavEntry, str]] = []
    for entry in visible_entries(user, entries):
        try:
            resolved.append((entry, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    active = max((url for _, url in resolved if _matches(url, path)), key=len, default=None)
    sections: dict[str, list[NavLink]] = {}
    for entry, url in resolved:
        sections.setdefault(entry.section, []).append(NavLink(entry.label, url, url == active))
    return [NavSection(title, links) for title, links in sections.items()]
