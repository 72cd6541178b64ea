"""Charts as server-side SVG (no script, no CDN), in the desk's Chinese font stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

FONT = "'Noto Sans CJK SC', 'WenQuanYi Zen Hei', sans-serif"
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#718096")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | Decimal | None]


def _num(v: float | Decimal | None) -> float | None:
    return None if v is None else float(v)


def _nice_max(top: float) -> float:
    """The top of the axis: four equal steps of 1, 2 or 5 times a power of ten, at least ``top``."""
    if top <= 0:
        return 4.0
    magnitude = 10 ** max(len(str(int(top / 4))) - 1, 0)
    steps = (1, 2, 5, 10) if magnitude == 1 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude * 4 >= top)
    return float(step * 4)


def _plain(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:,.0f}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}"'
        f' font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _axes(left: int, top: int, plot_w: int, plot_h: int, ymax: float) -> list[str]:
    out = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e2e8f0"/>')
        label = _plain(ymax * i / 4)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4a5568">{label}</text>')
    return out


def _legend(series: Sequence[Series], x: int, y: int) -> list[str]:
    out = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y + i * 18}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 18}" y="{y + i * 18 + 11}" fill="#2d3748">{escape(s.label)}</text>')
    return out


def bars(title: str, categories: Sequence[str], series: Sequence[Series], width: int = 560) -> str:
    """Grouped vertical bars: one group per category, one bar per series, the value above each bar."""
    height, left, top, right = 260, 56, 28, 150
    plot_w, plot_h = width - left - right, height - top - 40
    values = [v for s in series for v in map(_num, s.values) if v is not None]
    ymax = _nice_max(max(values, default=0))
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 2)
    body = [f'<text x="{left}" y="16" font-size="13" fill="#1a202c">{escape(title)}</text>']
    body += _axes(left, top, plot_w, plot_h, ymax)
    for i, c in enumerate(categories):
        gx = left + i * group_w + group_w * 0.1
        body.append(
            f'<text x="{gx + group_w * 0.4:.1f}" y="{height - 14}" text-anchor="middle" fill="#4a5568">'
            f"{escape(c)}</text>"
        )
        for n, s in enumerate(series):
            v = _num(s.values[i]) if i < len(s.values) else None
            if v is None:
                continue
            h = plot_h * v / ymax
            x, y = gx + n * bar_w, top + plot_h - h
            colour = PALETTE[n % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
            if len(categories) * len(series) <= 24:
                body.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10"'
                    f' fill="#2d3748">{_plain(v)}</text>'
                )
    body += _legend(series, width - right + 12, top)
    return _frame(width, height, title, body)
