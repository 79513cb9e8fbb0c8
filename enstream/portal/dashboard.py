"""Dashboard panels: every app contributes its own to the one dashboard.

An app adds a `panels.py` module (found at start-up, like `admin.py`) with functions
decorated by `dashboard_panel`. Each takes the request and returns the context for its
template, or None to stay hidden. A panel shows when the user's organisation kind and role
allow it, in `order` (lower first).

    @dashboard_panel(
        title="Resale agreement",
        template="issuers/panels/agreement.html",
        org_kinds=ISSUER,
        perm=Perm.AGREEMENTS_VIEW,
        order=20,
    )
    def agreement_panel(request: HttpRequest) -> dict | None:
        return {"agreement": ...}
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from enstream.accounts.roles import Perm, has_perm
from enstream.portal.navigation import ALL_KINDS

PanelContext = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: PanelContext
    org_kinds: frozenset[str] = ALL_KINDS
    perm: Perm | None = None
    order: int = 100
    wide: bool = False
    name: str = field(default="")


PANELS: dict[str, Panel] = {}


def dashboard_panel(
    *,
    title: str,
    template: str,
    org_kinds: frozenset[str] = ALL_KINDS,
    perm: Perm | None = None,
    order: int = 100,
    wide: bool = False,
) -> Callable[[PanelContext], PanelContext]:
    def register(func: PanelContext) -> PanelContext:
        name = f"{func.__module__}.{func.__qualname__}"
        PANELS[name] = Panel(title, template, func, frozenset(org_kinds), perm, order, wide, name)
        return func

    return register


@dataclass(frozen=True)
class RenderedPanel:
    title: str
    html: SafeString
    wide: bool


def panels_for(request: HttpRequest) -> list[RenderedPanel]:
    """The panels `request.user` may see, rendered, in order."""
    user = request.user
    kind = user.organisation.kind  # type: ignore[union-attr]
    rendered = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.title)):
        if kind not in panel.org_kinds or (panel.perm and not has_perm(user, panel.perm)):
            continue
        context = panel.context(request)
        if context is None:
            continue
        html = render_to_string(panel.template, {**context, "panel": panel}, request=request)
        rendered.append(RenderedPanel(panel.title, SafeString(html), panel.wide))
    return rendered
