"""Charts of a report's summary, and a flowable that shrinks a chart into the space left on a
page rather than leave that space empty."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.platypus import Flowable

from tracker.i18n import gettext as _
from tracker.reports.pdf.fonts import BASE_FONT, CJK_FONT
from tracker.reports.pdf.styles import FRAME_WIDTH, SERIES
from tracker.reports.pdf.text import needs_cjk, one_line


class FitDrawing(Flowable):
    """A drawing at its natural size, or scaled down (to ``smallest`` at most) to fit the space
    left in the frame; below that it moves to the next page at its natural size."""

    def __init__(self, drawing: Drawing, smallest: float = 0.7) -> None:
        super().__init__()
        self.drawing = drawing
        self.smallest = smallest
        self.scale = 1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = self.drawing.width, self.drawing.height
        scale = min(1.0, available_width / width)
        if height * scale > available_height >= height * self.smallest:
            scale = available_height / height
        self.scale = scale
        return width * scale, height * scale

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.scale(self.scale, self.scale)
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        self.canv.restoreState()


def _font(labels: Sequence[str]) -> str:
    return CJK_FONT if any(needs_cjk(s) for s in labels) else BASE_FONT


def _step(maximum: int) -> int:
    return max(1, math.ceil(maximum / 8))


def stacked_bars(
    stages: Sequence[str], categories: Sequence[str], counts: Sequence[Sequence[int]]
) -> Drawing:
    """Stacked bars: a bar per stage, split into segments per category (rows of ``counts``)."""
    legend_labels = [one_line(c, 45) for c in categories]
    font = _font([*legend_labels, *stages])
    legend_height = 12 * len(legend_labels) + 6
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 60 + legend_height
    chart.width, chart.height = FRAME_WIDTH - 50, 130
    top = chart.y + chart.height
    # The axis title sits above the top tick label (centred on the top of the axis), not on it.
    drawing = Drawing(FRAME_WIDTH, top + 20)
    chart.data = [list(row) for row in counts]
    chart.categoryAxis.categoryNames = list(stages)
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    peak = max((sum(col) for col in zip(*counts, strict=True)), default=0)
    step = _step(peak)
    # End the axis on a tick, so the top label is a round number above the tallest bar.
    chart.valueAxis.valueMax = max(step, math.ceil(peak / step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = BASE_FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    for index in range(len(categories)):
        chart.bars[index].fillColor = SERIES[index % len(SERIES)]
        chart.bars[index].strokeColor = colors.white
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 36, legend_height - 2
    legend.alignment = "right"
    legend.fontName = font
    legend.fontSize = 7.5
    legend.deltay = 12
    legend.dy = legend.dx = 8
    legend.columnMaximum = max(1, len(legend_labels))
    legend.colorNamePairs = [
        (SERIES[i % len(SERIES)], name) for i, name in enumerate(legend_labels)
    ]
    drawing.add(legend)
    axis_title = _("Use cases")
    drawing.add(String(0, top + 10, axis_title, fontName=_font([axis_title]), fontSize=7))
    return drawing


def horizontal_bars(labels: Sequence[str], counts: Sequence[int]) -> Drawing:
    """Horizontal bars, the first label at the top, with the counts printed."""
    labels, counts = list(reversed(labels)), list(reversed(counts))
    drawing = Drawing(FRAME_WIDTH, 22 * len(labels) + 30)
    chart = HorizontalBarChart()
    chart.x, chart.y = 70, 14
    chart.width, chart.height = FRAME_WIDTH - 110, 22 * len(labels) + 5
    chart.data = [counts]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = _font(labels)
    chart.categoryAxis.labels.fontSize = 8
    peak = max(counts, default=0)
    step = _step(peak)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, math.ceil(peak / step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.bars[0].fillColor = SERIES[0]
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 8
    drawing.add(chart)
    return drawing


def kpi_line(
    labels: Sequence[str],
    values: Sequence[float | None],
    target: float | None,
    baseline: float | None,
) -> Drawing:
    """A KPI's numbers return by return, with its target (dashed) and baseline (dotted)."""
    drawing = Drawing(FRAME_WIDTH, 150)
    chart = HorizontalLineChart()
    chart.x, chart.y = 45, 34
    chart.width, chart.height = FRAME_WIDTH - 60, 100
    count = len(labels)
    series: list[list[float | None]] = [list(values)]
    styles: list[tuple[Any, tuple[int, int] | None]] = [(SERIES[0], None)]
    if target is not None:
        series.append([target] * count)
        styles.append((colors.HexColor("#146c43"), (6, 3)))
    if baseline is not None:
        series.append([baseline] * count)
        styles.append((colors.HexColor("#6c757d"), (1, 2)))
    chart.data = series
    chart.joinedLines = 1
    for n, (colour, dash) in enumerate(styles):
        chart.lines[n].strokeColor = colour
        chart.lines[n].strokeWidth = 1.5 if n == 0 else 1
        if dash is not None:
            chart.lines[n].strokeDashArray = dash
    chart.lines[0].symbol = makeMarker("FilledCircle", size=4)
    known = [v for row in series for v in row if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (high - low) * 0.1 or max(abs(high), 1.0) * 0.1
    chart.valueAxis.valueMin = low - pad
    chart.valueAxis.valueMax = high + pad
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fontName = _font(list(labels))
    chart.categoryAxis.labels.angle = 30 if count > 6 else 0
    chart.categoryAxis.labels.dy = -8 if count > 6 else -2
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 45, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontSize = 7
    names = [_("Value"), _("Target"), _("Baseline")][: len(styles)]
    legend.fontName = _font(names)
    legend.colorNamePairs = [(c, name) for (c, _d), name in zip(styles, names, strict=True)]
    legend.dx, legend.dy = 8, 4
    legend.deltax = 70
    drawing.add(legend)
    return drawing
