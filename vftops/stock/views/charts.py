"""The geometry of the stock charts; the drawing is in templates/stock/_charts.html."""

from __future__ import annotations

import math
from datetime import date

from flask_babel import format_date

from vftops.core.charts import nice_step
from vftops.equipment.models import DeviceStatus
from vftops.equipment.status import STATUS_LABELS

# --- charts (the geometry here, the drawing in templates/stock/_charts.html) -------------

# Stacking order and colours of the «devices by status» bars (white text on each).
STATUS_ORDER = [
    DeviceStatus.IN_STOCK,
    DeviceStatus.AWAITING_RESET,
    DeviceStatus.IN_REPAIR,
    DeviceStatus.IN_TRANSIT,
    DeviceStatus.INSTALLED,
    DeviceStatus.LOST,
    DeviceStatus.SCRAPPED,
]
STATUS_COLOURS = {
    DeviceStatus.IN_STOCK: "#1b5e20",
    DeviceStatus.AWAITING_RESET: "#8a4b00",
    DeviceStatus.IN_REPAIR: "#6a1b9a",
    DeviceStatus.IN_TRANSIT: "#00545c",
    DeviceStatus.INSTALLED: "#0d47a1",
    DeviceStatus.LOST: "#3d3d3d",
    DeviceStatus.SCRAPPED: "#616161",
}


def status_chart(stores, by_status: dict[int, dict[str, int]]) -> dict:
    """Horizontal stacked bars, one per store: the store's name above its bar."""
    width, bar_left, bar_width, row_height = 400, 0, 350, 56
    used = [s for s in STATUS_ORDER if any(c.get(s.value) for c in by_status.values())]
    totals = {s.id: sum(by_status.get(s.id, {}).values()) for s in stores}
    biggest = max(totals.values(), default=0) or 1
    rows = []
    for index, store in enumerate(stores):
        counts = by_status.get(store.id, {})
        x = bar_left
        segments = []
        for status in used:
            n = counts.get(status.value, 0)
            if not n:
                continue
            w = n / biggest * bar_width
            segments.append(
                {"status": status, "n": n, "x": round(x, 1), "w": round(w, 1), "wide": w >= 26}
            )
            x += w
        rows.append(
            {
                "store": store,
                "y": index * row_height,
                "segments": segments,
                "total": totals[store.id],
                "end": round(x, 1),
                "counts": counts,
            }
        )
    return {
        "width": width,
        "height": max(len(rows) * row_height, row_height),
        "rows": rows,
        "statuses": used,
        "colours": STATUS_COLOURS,
        "labels": STATUS_LABELS,
    }


def history_chart(points: list[tuple[date, int]], minimum, target) -> dict:
    """A step line of available stock per day, with the minimum and the target as lines."""
    width, height = 420, 250
    left, right, top, bottom = 34, 96, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _d, v in points]
    highest = max([*values, minimum or 0, target or 0, 1])
    step = nice_step(highest)
    y_max = step * math.ceil(highest / step)
    if y_max == highest:
        y_max += step
    n = max(len(points), 1)

    def x(i: float) -> float:
        return round(left + i * plot_w / n, 1)

    def y(v: float) -> float:
        return round(top + plot_h - v / y_max * plot_h, 1)

    path = []
    for i, (_day, value) in enumerate(points):
        path.append(f"M {x(i)} {y(value)}" if i == 0 else f"V {y(value)}")
        path.append(f"H {x(i + 1)}")
    label_at = sorted({round(k * (n - 1) / 4) for k in range(5)}) if n > 1 else [0]
    pattern = "d. MMM" if n <= 120 else "MMM yy"  # a year's axis names the year too
    x_ticks = [
        {"x": round((x(i) + x(i + 1)) / 2, 1), "label": format_date(points[i][0], pattern)}
        for i in label_at
        if i < len(points)
    ]
    y_ticks = [{"y": y(v), "label": v} for v in range(0, y_max + 1, step)]
    below = [i for i, v in enumerate(values) if minimum is not None and v < minimum]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "path": " ".join(path),
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "minimum_y": y(minimum) if minimum is not None else None,
        "target_y": y(target) if target is not None and target != minimum else None,
        "below": [{"x": x(i), "w": round(x(i + 1) - x(i), 1)} for i in below],
    }
