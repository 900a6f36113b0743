"""An agreement evaluated over a period: each service level's measured value against its
target, month by month (a chart drawn on the server, with the same figures in a table),
and the licences or leased units paid for against those in use."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from flask_babel import format_date
from sqlalchemy import func, select

from vftops.access.models import AccessGrant
from vftops.access.queries import active_on
from vftops.agreements.measure import OSLO, Measured, Period, measure
from vftops.agreements.models import Agreement, AgreementKind, Metric, ServiceLevel
from vftops.agreements.terms import add_months
from vftops.core.charts import nice_step
from vftops.core.models import local_day, utcnow
from vftops.equipment.models import Device, DeviceStatus, Ownership
from vftops.extensions import db

IN_USE = (
    DeviceStatus.IN_STOCK,
    DeviceStatus.INSTALLED,
    DeviceStatus.AWAITING_RESET,
    DeviceStatus.IN_REPAIR,
    DeviceStatus.IN_TRANSIT,
)


@dataclass
class Month:
    first: date
    value: float | None
    cases: int
    breaches: int

    @property
    def label(self) -> str:
        return format_date(self.first, "MMM yy")


@dataclass
class Trend:
    level: ServiceLevel
    overall: Measured
    months: list[Month] = field(default_factory=list)
    chart: dict = field(default_factory=dict)


@dataclass
class Evaluation:
    agreement: Agreement
    period: Period
    trends: list[Trend]
    units_paid: int | None
    units_in_use: int | None
    in_use_basis: str | None  # "devices" or "grants"

    @property
    def unused(self) -> int | None:
        if self.units_paid is None or self.units_in_use is None:
            return None
        return self.units_paid - self.units_in_use


def year_to(day: date) -> Period:
    """The twelve whole months up to and including `day`'s month."""
    first = add_months(day.replace(day=1), -11)
    return Period(first, day)


def _months(period: Period) -> list[date]:
    out, month = [], period.first.replace(day=1)
    while month <= period.last:
        out.append(month)
        month = add_months(month, 1)
    return out


def _trend(level: ServiceLevel, period: Period, now: datetime) -> Trend:
    overall = measure(level, period, now)
    months = _months(period)
    trend = Trend(level, overall)
    if level.metric == Metric.UPTIME:
        for first in months:
            last = min(add_months(first, 1).toordinal() - 1, period.last.toordinal())
            part = measure(level, Period(max(first, period.first), date.fromordinal(last)), now)
            trend.months.append(Month(first, part.value, len(part.cases), 0))
    else:
        by_month = defaultdict(list)
        for case in overall.cases:
            by_month[case.started.astimezone(OSLO).date().replace(day=1)].append(case)
        for first in months:
            cases = by_month.get(first, [])
            value = round(median(c.value for c in cases), 1) if cases else None
            trend.months.append(Month(first, value, len(cases), sum(c.breached for c in cases)))
    trend.chart = _chart(trend)
    return trend


def _chart(trend: Trend) -> dict:
    """One column a month, the target a line across."""
    width, height = 420, 230
    left, right, top, bottom = 40, 8, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    target = float(trend.level.target)
    values = [m.value for m in trend.months if m.value is not None]
    if trend.level.metric == Metric.UPTIME:
        # From a whole number below the lowest month to 100, in four even steps.
        low = min([*values, target]) if values else target
        step = max(1, math.ceil((100 - low + 0.25) / 4))
        floor_, ceiling = float(max(0, 100 - 4 * step)), 100.0
        tick_values = [floor_ + step * k for k in range(5)]
    else:
        highest = max([*values, target]) if values else target
        step = nice_step(max(math.ceil(highest), 1))
        floor_, ceiling = 0.0, float(step * math.ceil(max(highest, 1) / step))
        tick_values = [float(v) for v in range(0, int(ceiling) + 1, step)]
    span = max(ceiling - floor_, 0.01)

    def y(v: float) -> float:
        return round(top + plot_h - (v - floor_) / span * plot_h, 1)

    n = max(len(trend.months), 1)
    slot = plot_w / n
    bar = max(round(slot * 0.65, 1), 1.0)
    columns = []
    for i, month in enumerate(trend.months):
        x = round(left + i * slot + (slot - bar) / 2, 1)
        if month.value is None:
            columns.append(
                {"x": x, "w": bar, "month": month, "y": y(floor_), "h": 0, "over": False}
            )
            continue
        top_y = y(min(max(month.value, floor_), ceiling))
        over = month.value < target if trend.level.metric == Metric.UPTIME else month.breaches > 0
        columns.append(
            {
                "x": x,
                "w": bar,
                "month": month,
                "y": top_y,
                "h": round(y(floor_) - top_y, 1),
                "over": over,
            }
        )
    y_ticks = [{"y": y(v), "label": v} for v in tick_values]
    every = max(1, math.ceil(n / 6))
    x_ticks = [
        {"x": round(c["x"] + bar / 2, 1), "label": c["month"].label}
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
        "target_y": y(min(max(target, floor_), ceiling)),
        "y_ticks": y_ticks,
        "x_ticks": x_ticks,
    }


def units_in_use(agreement: Agreement, day: date) -> tuple[int | None, str | None]:
    """Those in use of what the agreement pays for: for a licence of a system, the
    system's active grants; for products, the devices of those products (leased ones,
    for a lease) in the stores and at recipients of the municipalities it covers."""
    served = agreement.served_municipality_ids
    if agreement.kind == AgreementKind.LICENCE and agreement.systems:
        count = db.session.scalar(
            select(func.count(AccessGrant.id)).where(
                AccessGrant.system_id.in_([s.id for s in agreement.systems]),
                AccessGrant.municipality_id.in_(served),
                active_on(day),
            )
        )
        return count, "grants"
    if agreement.products:
        stmt = select(func.count(Device.id)).where(
            Device.product_id.in_([p.id for p in agreement.products]),
            Device.municipality_id.in_(served),
            Device.status.in_([s.value for s in IN_USE]),
        )
        if agreement.kind == AgreementKind.LEASE:
            stmt = stmt.where(Device.ownership == Ownership.LEASED)
        return db.session.scalar(stmt), "devices"
    return None, None


def evaluate(agreement: Agreement, period: Period, now: datetime | None = None) -> Evaluation:
    now = now or utcnow()
    levels = db.session.scalars(
        select(ServiceLevel)
        .where(ServiceLevel.agreement_id == agreement.id)
        .order_by(ServiceLevel.metric, ServiceLevel.id)
    ).all()
    trends = [_trend(level, period, now) for level in levels]
    in_use, basis = units_in_use(agreement, min(period.last, local_day(now)))
    return Evaluation(agreement, period, trends, agreement.units_paid, in_use, basis)
