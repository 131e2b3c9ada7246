"""Bar charts drawn on the server as inline SVG (no script, nothing fetched, printable): the geometry
here, the markup in the report's template. Bars are horizontal so that French labels stay readable."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 210
VALUE_WIDTH = 110
ROW = 30
BAR = 18


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as written beside the bar
    y: float
    width: float
    tone: str  # a CSS class suffix: the bar's colour


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 8

    @property
    def summary(self) -> str:
        """The chart in words, for whoever does not see it."""
        return " ; ".join(f"{bar.label} : {bar.text}" for bar in self.bars)


def bar_chart(title: str, items: list[tuple[str, float, str, str]]) -> BarChart:
    """Bars for (label, value, value as written, tone), scaled to the largest value."""
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((abs(value) for _, value, _, _ in items), default=0.0)
    bars = []
    for index, (label, value, text, tone) in enumerate(items):
        width = 0.0 if largest == 0 else max(abs(value) / largest * room, 2.0 if value else 0.0)
        bars.append(Bar(label, text, 4 + index * ROW, round(width, 1), tone))
    return BarChart(title, tuple(bars))
