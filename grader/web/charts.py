"""Charts drawn by the server as inline SVG: no script, no style attributes (the CSP allows
neither), only presentation attributes (fill, stroke, x, y, ...). Every piece of text is
escaped. A chart is a titled <svg role="img"> with one <rect class="bar"> per bar, axis
labels and tick labels; each bar carries a <title> with its exact value (a tooltip)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR = "#2f5fd0"
AXIS = "#5b6475"
MARK = "#b3261e"
GRID = "#d9dee7"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str  # tick label under the bar (may be "" to skip)
    value: float
    tip: str = ""  # tooltip; defaults to "label: value"


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _text(
    x: float,
    y: float,
    content: str,
    anchor: str = "middle",
    size: int = 11,
    fill: str = AXIS,
    **attrs: str,
) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(v)}"' for name, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {FONT} '
        f'fill="{escape(fill)}"{extra}>{escape(content)}</text>'
    )


def bar_chart(
    bars: Sequence[Bar],
    title: str,
    x_label: str = "",
    y_label: str = "",
    marker: float | None = None,
    marker_label: str = "",
    width: int = 760,
    height: int = 260,
    chart_id: str = "chart",
) -> Markup:
    """Vertical bars from zero. Every bar with a label gets it under the bar (give "" to
    thin them out). `marker` (a bar position, fractional allowed) draws a labelled
    vertical line, e.g. the deadline."""
    left, right, top, bottom = 48, 12, 34, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(bars), 1)
    ticks = _ticks(max((b.value for b in bars), default=0) or 1)
    peak = ticks[-1]  # the axis ends on a tick at or above the tallest bar
    step = plot_w / n
    gap = min(2.0, step * 0.15)
    title_id = f"{chart_id}-title"
    out = [
        f'<svg class="chart" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        _text(width / 2, 18, title, size=13, font_weight="600"),
    ]
    for tick in ticks:  # horizontal grid lines with their values
        y = top + plot_h - plot_h * tick / peak
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 6, y + 4, _num(tick), anchor="end", size=10))
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / peak if bar.value > 0 else 0
        x = left + i * step + gap / 2
        y = top + plot_h - h
        tip = bar.tip or f"{bar.label}: {_num(bar.value)}"
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(step - gap, 1):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(tip)}</title></rect>'
        )
        if bar.label:
            out.append(_text(left + (i + 0.5) * step, top + plot_h + 14, bar.label, size=10))
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    if marker is not None and 0 <= marker <= n:
        x = left + marker * step
        out.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" '
            f'y2="{top + plot_h}" stroke="{MARK}" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        if marker_label:
            anchor = "end" if marker > n * 0.8 else "start"
            dx = -4 if anchor == "end" else 4
            out.append(_text(x + dx, top + 6, marker_label, anchor=anchor, size=11, fill=MARK))
    if not any(b.value > 0 for b in bars):
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "nothing yet", size=13, fill=AXIS))
    if x_label:
        out.append(_text(left + plot_w / 2, height - 8, x_label, size=11))
    if y_label:
        out.append(
            _text(
                14,
                top + plot_h / 2,
                y_label,
                size=11,
                transform=f"rotate(-90 14 {top + plot_h / 2:.1f})",
            )
        )
    out.append("</svg>")
    return Markup("".join(out))


def _ticks(peak: float, count: int = 4) -> list[float]:
    """A few round values from 0 to the first one at or above the peak, for the y axis.
    The bars count things (students, submissions): steps are whole numbers."""
    if peak <= 0:
        return [0]
    raw = peak / count
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = math.ceil(peak / step - 1e-9) * step
    return list(range(0, int(top) + 1, int(step)))


def heat_rows(
    rows: Sequence[tuple[str, float, str]], title: str, width: int = 560, chart_id: str = "heat"
) -> Markup:
    """One row per item (label, share 0..1, caption): a cell shaded from white to red by the
    share, the share written beside it. Used for wrong cells per layer."""
    row_h, label_w, cell_w, top = 22, 140, 260, 30
    height = top + row_h * len(rows) + 10
    title_id = f"{chart_id}-title"
    out = [
        f'<svg class="chart heat" id="{escape(chart_id)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{escape(title_id)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        _text(width / 2, 18, title, size=13, font_weight="600"),
    ]
    for i, (label, share, caption) in enumerate(rows):
        y = top + i * row_h
        share = min(max(share, 0.0), 1.0)
        out.append(_text(label_w - 8, y + 15, label, anchor="end", size=11))
        out.append(
            f'<rect class="cell" x="{label_w}" y="{y}" width="{cell_w}" height="{row_h - 3}" '
            f'fill="{_heat(share)}" stroke="{GRID}"><title>{escape(f"{label}: {caption}")}'
            "</title></rect>"
        )
        out.append(_text(label_w + cell_w + 8, y + 15, caption, anchor="start", size=11))
    out.append("</svg>")
    return Markup("".join(out))


def _heat(share: float) -> str:
    """White (no wrong cells) to a strong red (all wrong)."""
    r0, g0, b0 = 255, 255, 255
    r1, g1, b1 = 179, 38, 30
    mix = [round(a + (b - a) * share) for a, b in ((r0, r1), (g0, g1), (b0, b1))]
    return "#" + "".join(f"{v:02x}" for v in mix)
