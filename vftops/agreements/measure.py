"""What the supplier delivered, measured from what vftops records, against each service
level of the agreement:

- time to answer and time to fix: the agreement's supplier's escalations on tickets of the
  municipalities it covers (and, when the agreement names products or systems, tickets
  about those), from escalation to the supplier's answer or fix, counted in the level's
  calendar (around the clock, or the business hours of the SLA calendar);
- uptime of a system: the share of the period's time (in the level's calendar) when none
  of its system-fault tickets was open;
- delivery time: days from a purchase order called off the agreement being sent to its
  first delivery (working days, for a level in business hours).

Each escalation or order over the target is a breach, from which a deviation may be
reported with one click."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select

from vftops.agreements.models import (
    Agreement,
    CallOff,
    Deviation,
    Metric,
    ServiceLevel,
    agreement_products,
    agreement_systems,
    deviation_tickets,
)
from vftops.core.models import utcnow
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.stock.models import OrderReceipt, PurchaseOrder
from vftops.support.models import Ticket, TicketKind, ticket_devices
from vftops.support.operations import business_hours
from vftops.support.sla import Calendar, is_working_day, minutes_between

OSLO = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), OSLO).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), OSLO).astimezone(UTC)

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Case:
    """One escalation or order measured: what it was, how long it took, over the target?"""

    ticket_id: int | None
    order_id: int | None
    label: str
    started: datetime
    value: float  # hours, or days for deliveries
    finished: bool
    breached: bool
    reported: bool  # a deviation names it already


@dataclass
class Measured:
    level: ServiceLevel
    period: Period
    cases: list[Case] = field(default_factory=list)
    value: float | None = None  # the median (times) or the uptime (per cent)
    met_share: float | None = None  # share of cases within the target (times)

    @property
    def breaches(self) -> list[Case]:
        return [c for c in self.cases if c.breached]

    @property
    def met(self) -> bool | None:
        if self.level.metric == Metric.UPTIME:
            return None if self.value is None else self.value >= float(self.level.target)
        return None if not self.cases else not self.breaches


def _about(agreement: Agreement):
    """Tickets about what the agreement covers: its products' devices or its systems, or
    (when it names neither) any of the supplier's escalations."""
    products = select(agreement_products.c.product_id).where(
        agreement_products.c.agreement_id == agreement.id
    )
    systems = select(agreement_systems.c.system_id).where(
        agreement_systems.c.agreement_id == agreement.id
    )
    if not agreement.products and not agreement.systems:
        return None
    by_device = exists(
        select(ticket_devices.c.ticket_id)
        .join(Device, Device.id == ticket_devices.c.device_id)
        .where(ticket_devices.c.ticket_id == Ticket.id, Device.product_id.in_(products))
    )
    return or_(Ticket.system_id.in_(systems), by_device)


def _reported(ticket_ids: list[int]) -> set[int]:
    if not ticket_ids:
        return set()
    return set(
        db.session.scalars(
            select(deviation_tickets.c.ticket_id).where(
                deviation_tickets.c.ticket_id.in_(ticket_ids)
            )
        )
    )


def _escalations(level: ServiceLevel, period: Period, now: datetime) -> Measured:
    agreement = level.agreement
    stmt = select(
        Ticket.id,
        Ticket.title,
        Ticket.escalated_at,
        Ticket.supplier_answered_at,
        Ticket.supplier_fixed_at,
    ).where(
        Ticket.supplier_id == agreement.supplier_id,
        Ticket.municipality_id.in_(agreement.served_municipality_ids),
        Ticket.escalated_at >= period.start,
        Ticket.escalated_at < period.end,
    )
    about = _about(agreement)
    if about is not None:
        stmt = stmt.where(about)
    rows = db.session.execute(stmt.order_by(Ticket.escalated_at)).all()
    reported = _reported([r.id for r in rows])
    hours = business_hours()
    target = float(level.target)
    measured = Measured(level, period)
    for ticket_id, title, escalated, answered, fixed in rows:
        done = answered if level.metric == Metric.ANSWER_TIME else fixed
        until = done or min(now, period.end)
        taken = minutes_between(escalated, until, level.calendar, hours) / 60
        breached = taken > target
        if done is None and not breached:
            continue  # still within its time: not measured yet
        measured.cases.append(
            Case(
                ticket_id,
                None,
                title,
                escalated,
                round(taken, 1),
                done is not None,
                breached,
                ticket_id in reported,
            )
        )
    if measured.cases:
        values = [c.value for c in measured.cases]
        measured.value = round(median(values), 1)
        measured.met_share = sum(1 for c in measured.cases if not c.breached) / len(values)
    return measured


def _uptime(level: ServiceLevel, period: Period, now: datetime) -> Measured:
    agreement = level.agreement
    rows = db.session.execute(
        select(Ticket.id, Ticket.title, Ticket.created_at, Ticket.resolved_at)
        .where(
            Ticket.system_id == level.system_id,
            Ticket.kind == TicketKind.SYSTEM_FAULT,
            Ticket.municipality_id.in_(agreement.served_municipality_ids),
            Ticket.created_at < period.end,
            or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= period.start),
            Ticket.parent_id.is_(None),  # an incident counts once, not once per report
        )
        .order_by(Ticket.created_at)
    ).all()
    measured = Measured(level, period)
    # Down while any fault ticket is open: overlapping tickets count once. Counted in the
    # level's calendar: a promise of business hours is not broken at night.
    hours = business_hours()

    def minutes(begin: datetime, finish: datetime) -> int:
        return minutes_between(begin, finish, level.calendar, hours)

    spans = sorted(
        (max(created, period.start), min(resolved or now, period.end))
        for _i, _t, created, resolved in rows
    )
    merged: list[list[datetime]] = []
    for begin, finish in spans:
        if finish <= begin:
            continue
        if not merged or begin > merged[-1][1]:
            merged.append([begin, finish])
        else:
            merged[-1][1] = max(merged[-1][1], finish)
    down = sum(minutes(begin, finish) for begin, finish in merged)
    total = minutes(period.start, min(period.end, now))
    if total > 0:
        measured.value = round(100 * (1 - down / total), 2)
    reported = _reported([r.id for r in rows])
    for ticket_id, title, created, resolved in rows:
        hours_down = minutes(created, resolved or now) / 60
        measured.cases.append(
            Case(
                ticket_id,
                None,
                title,
                created,
                round(hours_down, 1),
                resolved is not None,
                False,
                ticket_id in reported,
            )
        )
    return measured


def _days(sent: datetime, received: datetime, calendar: str) -> float:
    """Days from sending to delivery: around the clock, or working days (virkedager)
    after the day it was sent up to the day it came, for a level in business hours."""
    if calendar != Calendar.BUSINESS:
        return (received - sent).total_seconds() / 86400
    day = sent.astimezone(OSLO).date()
    last = received.astimezone(OSLO).date()
    days = 0
    while day < last:
        day += timedelta(days=1)
        days += is_working_day(day)
    return float(days)


def _deliveries(level: ServiceLevel, period: Period, now: datetime) -> Measured:
    agreement = level.agreement
    first_receipt = (
        select(OrderReceipt.order_id, func.min(OrderReceipt.at).label("at"))
        .group_by(OrderReceipt.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.sent_at, first_receipt.c.at)
        .join(CallOff, CallOff.purchase_order_id == PurchaseOrder.id)
        .outerjoin(first_receipt, first_receipt.c.order_id == PurchaseOrder.id)
        .where(
            CallOff.agreement_id == agreement.id,
            PurchaseOrder.sent_at >= period.start,
            PurchaseOrder.sent_at < period.end,
        )
        .order_by(PurchaseOrder.sent_at)
    ).all()
    target = float(level.target)
    measured = Measured(level, period)
    for order_id, number, sent, received in rows:
        taken = _days(sent, received or now, level.calendar)
        breached = taken > target
        if received is None and not breached:
            continue
        measured.cases.append(
            Case(
                None, order_id, number, sent, round(taken, 1), received is not None, breached, False
            )
        )
    if measured.cases:
        values = [c.value for c in measured.cases]
        measured.value = round(median(values), 1)
        measured.met_share = sum(1 for c in measured.cases if not c.breached) / len(values)
    return measured


def measure(level: ServiceLevel, period: Period, now: datetime | None = None) -> Measured:
    now = now or utcnow()
    if level.metric == Metric.UPTIME:
        return _uptime(level, period, now)
    if level.metric == Metric.DELIVERY_TIME:
        return _deliveries(level, period, now)
    return _escalations(level, period, now)


@dataclass(frozen=True)
class TicketBreach:
    agreement: Agreement
    level: ServiceLevel
    hours: float
    finished: bool
    breached: bool
    deviation: Deviation | None


def for_ticket(
    ticket: Ticket, agreements: list[Agreement], now: datetime | None = None
) -> list[TicketBreach]:
    """An escalated ticket against the answer and fix times of the supplier's agreements
    that cover it."""
    now = now or utcnow()
    if ticket.escalated_at is None or ticket.supplier_id is None:
        return []
    hours = business_hours()
    found = []
    reported = {
        d.service_level_id: d
        for d in db.session.scalars(
            select(Deviation)
            .join(deviation_tickets, deviation_tickets.c.deviation_id == Deviation.id)
            .where(deviation_tickets.c.ticket_id == ticket.id)
        )
    }
    for agreement in agreements:
        if agreement.supplier_id != ticket.supplier_id:
            continue  # escalated to another supplier: not this agreement's to measure
        for level in agreement_levels(agreement):
            if level.metric not in (Metric.ANSWER_TIME, Metric.FIX_TIME):
                continue
            done = (
                ticket.supplier_answered_at
                if level.metric == Metric.ANSWER_TIME
                else ticket.supplier_fixed_at
            )
            taken = minutes_between(ticket.escalated_at, done or now, level.calendar, hours) / 60
            found.append(
                TicketBreach(
                    agreement,
                    level,
                    round(taken, 1),
                    done is not None,
                    taken > float(level.target),
                    reported.get(level.id),
                )
            )
    return found


def agreement_levels(agreement: Agreement) -> list[ServiceLevel]:
    return db.session.scalars(
        select(ServiceLevel)
        .where(ServiceLevel.agreement_id == agreement.id)
        .order_by(ServiceLevel.id)
    ).all()
