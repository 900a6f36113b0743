"""Chart geometry for the support reports (the drawing is in templates/support/_charts.html).

The same approach as the stock charts (vftops/stock/views/charts.py, templates/stock/_charts.html):
the server works out every coordinate, the template draws plain SVG — no script,
scales to a phone's width, and each chart has its figures in a table next to it.
"""

from __future__ import annotations

import math

from flask_babel import format_date

from vftops.core.charts import nice_step
from vftops.support.models import TicketKind

KIND_COLOURS = {
    TicketKind.TECHNICAL_ALARM.value: "#b02a37",
    TicketKind.EQUIPMENT_FAULT.value: "#8a4b00",
    TicketKind.SYSTEM_FAULT.value: "#6a1b9a",
    TicketKind.ACCESS.value: "#00545c",
    TicketKind.QUESTION.value: "#0d47a1",
    TicketKind.OTHER.value: "#616161",
}


def _y_axis(highest: float, top: int, plot_h: int):
    step = nice_step(max(math.ceil(highest), 1))
    y_max = step * math.ceil(max(highest, 1) / step)

    def y(v: float) -> float:
        return round(top + plot_h - v / y_max * plot_h, 1)

    ticks = [{"y": y(v), "label": v} for v in range(0, y_max + 1, step)]
    return y, ticks


def weekly_columns(report) -> dict:
    """One column per week, stacked by kind; week numbers under every few columns."""
    width, height = 420, 250
    left, right, top, bottom = 34, 8, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = report.weekly
    n = max(len(weeks), 1)
    totals = [sum(w.values()) for w in weeks]
    y, y_ticks = _y_axis(max(totals, default=0), top, plot_h)
    slot = plot_w / n
    bar = max(round(slot * 0.7, 1), 1.0)
    columns = []
    for i, week in enumerate(weeks):
        x = round(left + i * slot + (slot - bar) / 2, 1)
        level = 0
        segments = []
        for kind in report.kinds:
            count = week.get(kind, 0)
            if not count:
                continue
            y_top, y_bottom = y(level + count), y(level)
            segments.append({"kind": kind, "n": count, "y": y_top, "h": round(y_bottom - y_top, 1)})
            level += count
        number, monday = report.period.week_label(i)
        columns.append(
            {
                "x": x,
                "w": bar,
                "segments": segments,
                "total": totals[i],
                "counts": week,
                "week": number,
                "monday": monday,
                "top": y(totals[i]),
            }
        )
    every = max(1, math.ceil(n / 6))
    x_ticks = [
        {"x": round(c["x"] + bar / 2, 1), "label": c["week"]}
        for i, c in enumerate(columns)
        if (n - 1 - i) % every == 0
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "columns": columns,
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
        "colours": KIND_COLOURS,
        "first": columns[0]["monday"] if columns else None,
        "first_label": format_date(columns[0]["monday"], "d. MMM") if columns else "",
    }


def horizontal_bars(rows: list[tuple[str, float, str]], *, maximum: float | None = None) -> dict:
    """One bar per row: (label, value, value as shown). The label sits above its bar."""
    width, bar_width, row_height = 400, 330, 52
    biggest = maximum or max((value for _label, value, _text in rows), default=0) or 1
    out = []
    for index, (label, value, text) in enumerate(rows):
        w = round(max(value, 0) / biggest * bar_width, 1)
        out.append({"label": label, "text": text, "y": index * row_height, "w": w})
    return {"width": width, "height": max(len(out), 1) * row_height, "rows": out}
