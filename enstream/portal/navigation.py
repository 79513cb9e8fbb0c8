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

# Sections show in the order they first appear here.
NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "portal:dashboard"),
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
