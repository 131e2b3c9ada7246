"""Bar charts drawn on the server (no script, nothing fetched, printable): each bar an inline SVG
scaled to the largest of its chart, its label and value plain text beside it, so that the chart
reads at any width and by a screen reader. The geometry is here, the markup in the templates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as written beside the bar
    percent: float  # of the chart's largest value
    tone: str  # a CSS class suffix: the bar's colour


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]


def bar_chart(title: str, items: list[tuple[str, float, str, str]]) -> BarChart:
    """Bars for (label, value, value as written, tone), scaled to the largest value; a value that is
    not zero keeps a sliver of a bar, however small beside the others."""
    largest = max((abs(value) for _, value, _, _ in items), default=0.0)
    bars = []
    for label, value, text, tone in items:
        percent = 0.0 if largest == 0 else max(abs(value) / largest * 100, 1.0 if value else 0.0)
        bars.append(Bar(label, text, round(percent, 1), tone))
    return BarChart(title, tuple(bars))
