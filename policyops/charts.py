"""Horizontal bar charts as inline SVG: the geometry here, the markup in ``policyops/_bar_chart.html``.

    {% include "policyops/_bar_chart.html" with chart=chart title=chart_title %}

The template carries its own colours, so a page needs no stylesheet for it; the ``<svg>``
has the class ``bar-chart`` for a page that frames it.
"""
from __future__ import annotations

from policyops.formatting import number, percent

ROW_HEIGHT = 24
BAR_HEIGHT = 18
LABEL_WIDTH = 190
BAR_WIDTH = 320
VALUE_WIDTH = 80


def bar_chart(items, *, maximum=None, as_percent: bool = False) -> dict:
    """The geometry of one bar per ``(label, value)`` of ``items``.

    ``maximum``: the value of a full bar (1 for shares); by default the largest value.
    ``as_percent``: values are shares, written as percentages. ``None`` draws no bar.
    """
    items = list(items)
    values = [float(value or 0) for _label, value in items]
    top = float(maximum) if maximum else (max(values + [0]) or 1)
    bars = []
    for index, ((label, value), amount) in enumerate(zip(items, values)):
        shown = percent(value) if as_percent else number(value)
        bars.append({"label": label, "value": shown, "y": index * ROW_HEIGHT + 3, "text_y": index * ROW_HEIGHT + 17,
                     "width": round(BAR_WIDTH * max(0.0, min(amount / top, 1.0)), 1)})
    return {"bars": bars, "height": len(items) * ROW_HEIGHT + 6, "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
            "label_width": LABEL_WIDTH, "label_x": LABEL_WIDTH - 8, "bar_width": BAR_WIDTH,
            "bar_height": BAR_HEIGHT, "value_x": LABEL_WIDTH + BAR_WIDTH + 8}
