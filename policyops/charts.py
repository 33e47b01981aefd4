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


# Grouped bars with a target line: one group per row, one bar per series.
GROUPED_WIDTH, GROUPED_LABEL_WIDTH, GROUPED_BAR_AREA = 560, 110, 420
GROUPED_BAR_H, GROUPED_BAR_GAP, GROUPED_GROUP_GAP, GROUPED_TOP = 7, 1, 10, 8


def grouped_bar_chart(rows, series, *, unit: str, target_label: str) -> dict:
    """The geometry of grouped bars, each group with its target drawn as a line.

    ``rows``: ``(label, values, target)`` with ``values`` a mapping series key → quantity;
    ``series``: ``(key, label)`` pairs, one bar each, in order. One scale for every group.
    """
    rows = list(rows)
    tops = [max([target, *(values[key] for key, _label in series)]) for _label, values, target in rows]
    scale_max = max(tops or [0])
    scale = GROUPED_BAR_AREA / float(scale_max) if scale_max else 0.0
    group_h = len(series) * (GROUPED_BAR_H + GROUPED_BAR_GAP) + GROUPED_GROUP_GAP
    groups = []
    for index, (label, values, target) in enumerate(rows):
        y0 = GROUPED_TOP + index * group_h
        bars = [{"key": key, "x": GROUPED_LABEL_WIDTH, "y": y0 + i * (GROUPED_BAR_H + GROUPED_BAR_GAP),
                 "h": GROUPED_BAR_H, "w": round(float(values[key]) * scale, 1),
                 "title": f"{label} {series_label}: {number(values[key])} / {number(target)} {unit}"}
                for i, (key, series_label) in enumerate(series)]
        groups.append({"label": label, "label_y": y0 + 2 * (GROUPED_BAR_H + GROUPED_BAR_GAP) + 4, "bars": bars,
                       "target_x": round(GROUPED_LABEL_WIDTH + float(target) * scale, 1), "target_y1": y0 - 2,
                       "target_y2": y0 + group_h - GROUPED_GROUP_GAP + 1,
                       "target_title": f"{label} {target_label}: {number(target)} {unit}"})
    return {"unit": unit, "groups": groups, "width": GROUPED_WIDTH,
            "height": GROUPED_TOP + max(len(groups), 1) * group_h + 20,
            "axis_y": GROUPED_TOP + len(groups) * group_h + 4, "axis_x0": GROUPED_LABEL_WIDTH,
            "axis_x1": GROUPED_LABEL_WIDTH + GROUPED_BAR_AREA, "max_label": number(scale_max)}
