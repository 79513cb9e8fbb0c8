"""Trend charts as inline SVG, drawn on the server: no script, no CDN, readable without CSS."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
# Colour-blind-safe (Okabe-Ito); each series also carries its name in a <title> and the legend.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


@dataclass(frozen=True)
class Series:
    name: str
    points: Mapping[date, float]


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0]
    return [top * i / 4 for i in range(5)]


def _label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1_000:
        return f"{value / 1_000:.1f}k"
    return f"{value:.0f}"


def line_chart(title: str, days: Sequence[date], series: Sequence[Series]) -> SafeString:
    """A line per series over `days`, with a y axis from zero and a legend."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max((v for s in series for v in s.points.values()), default=0) or 1
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 20 * len(series)}"'
        f' role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in _ticks(top):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_label(tick)}</text>"
        )
    if days:
        for i in sorted({0, len(days) // 2, len(days) - 1}):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11">'
                f"{days[i]:%Y-%m-%d}</text>"
            )
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(s.points.get(d, 0)):.1f}" for i, d in enumerate(days))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}">'
            f"<title>{escape(s.name)}</title></polyline>"
        )
        legend_y = HEIGHT + 14 + 20 * n
        parts.append(
            f'<rect x="{LEFT}" y="{legend_y - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{LEFT + 18}" y="{legend_y + 1}" font-size="12">{escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
