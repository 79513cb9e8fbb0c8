"""Template helpers of the commercial pages: status badges and byte counts."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# One tone per status word, whichever machine it belongs to (issuer, agreement, network line,
# allocation, MNO, invoice, statement): the colour says "fine", "waiting" or "stopped" the same
# way everywhere.
_TONES = {
    "live": "success",
    "active": "success",
    "approved": "success",
    "issued": "success",
    "signed": "info",
    "planned": "info",
    "onboarding": "info",
    "prospect": "info",
    "draft": "info",
    "requested": "warning",
    "suspended": "warning",
    "ended": "failure",
    "terminated": "failure",
    "withdrawn": "failure",
    "rejected": "failure",
    "cancelled": "failure",
    "revoked": "failure",
    "retired": "failure",
}


@register.simple_tag
def status_badge(status: str, label: str | None = None) -> SafeString:
    tone = _TONES.get(str(status), "info")
    return format_html('<span class="badge badge--{}">{}</span>', tone, label or status)


@register.filter
def badge(obj: object) -> SafeString:
    """`{{ agreement|badge }}`: the object's status as a badge with its label."""
    return status_badge(obj.status, obj.get_status_display())  # type: ignore[attr-defined]


@register.filter
def kilobytes(value: int | None) -> str:
    """Bytes as the unit SE quotas are talked about in (1 kB = 1,000 bytes, as card vendors
    and GlobalPlatform memory quotas count)."""
    if value is None:
        return "—"
    if value < 1_000:
        return f"{value:,} B"
    if value < 1_000_000:
        return f"{value / 1_000:,.1f} kB"
    return f"{value / 1_000_000:,.1f} MB"


@register.filter
def money(value: Decimal | None) -> str:
    """An amount to the cent with thousands separated, the way it prints on an invoice."""
    if value is None:
        return "—"
    return f"{value:,.2f}"


@register.filter
def number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


@register.filter
def tier_ranges(charge: Any) -> list[tuple[int, int | None, Decimal]]:
    """A price charge's tiers as (first unit, last unit or None, unit price): edges are
    inclusive, so each tier starts one unit after the previous one's limit."""
    ranges = []
    first = 1
    for tier in charge.tiers.all():
        ranges.append((first, tier.up_to, tier.unit_price))
        first = (tier.up_to or first) + 1
    return ranges


@register.filter
def percent(value: Decimal | None) -> str:
    """12.50 -> "12.5", 5.00 -> "5": as many decimals as the rate has, no more."""
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
