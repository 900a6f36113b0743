"""The status report for a supplier meeting: over the meeting's period, the service
levels measured against their targets, deviations opened and closed, faults per product
model per 1,000 devices in use, spend against the agreement's value, the deadlines
coming up and the actions still open. Shown on the meeting's page, printable and as XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import distinct, func, or_, select

from vftops.agreements import queries
from vftops.agreements.evaluation import Evaluation, evaluate
from vftops.agreements.measure import Period
from vftops.agreements.models import (
    DEADLINE_LABELS,
    Agreement,
    Deviation,
    MeetingAction,
    SupplierMeeting,
)
from vftops.core.i18n import format_d
from vftops.core.models import local_day, utcnow
from vftops.equipment.models import Device, DeviceStatus, Product
from vftops.extensions import db
from vftops.support.models import Ticket, TicketKind, ticket_devices


@dataclass(frozen=True)
class FaultRow:
    product: Product
    faults: int
    in_use: int

    @property
    def per_thousand(self) -> float | None:
        return round(1000 * self.faults / self.in_use, 1) if self.in_use else None


@dataclass
class StatusReport:
    meeting: SupplierMeeting
    agreement: Agreement
    period: Period
    evaluation: Evaluation
    opened: list[Deviation]
    closed: list[Deviation]
    faults: list[FaultRow]
    spend: Decimal
    due: list
    open_actions: list[MeetingAction]


def _faults(agreement: Agreement, period: Period) -> list[FaultRow]:
    products = (
        agreement.products
        or db.session.scalars(
            select(Product)
            .where(Product.supplier_id == agreement.supplier_id)
            .order_by(Product.model)
        ).all()
    )
    if not products:
        return []
    ids = [p.id for p in products]
    served = agreement.served_municipality_ids
    faults = dict(
        db.session.execute(
            select(Device.product_id, func.count(distinct(Ticket.id)))
            .join(ticket_devices, ticket_devices.c.ticket_id == Ticket.id)
            .join(Device, Device.id == ticket_devices.c.device_id)
            .where(
                Ticket.kind == TicketKind.EQUIPMENT_FAULT,
                Ticket.municipality_id.in_(served),
                Ticket.created_at >= period.start,
                Ticket.created_at < period.end,
                Device.product_id.in_(ids),
            )
            .group_by(Device.product_id)
        ).all()
    )
    in_use = dict(
        db.session.execute(
            select(Device.product_id, func.count(Device.id))
            .where(
                Device.product_id.in_(ids),
                Device.municipality_id.in_(served),
                Device.status == DeviceStatus.INSTALLED,
            )
            .group_by(Device.product_id)
        ).all()
    )
    rows = [FaultRow(p, faults.get(p.id, 0), in_use.get(p.id, 0)) for p in products]
    return [r for r in rows if r.faults or r.in_use]


def status_report(meeting: SupplierMeeting, now: datetime | None = None) -> StatusReport:
    now = now or utcnow()
    agreement = meeting.agreement
    period = Period(meeting.period_from, meeting.period_to)
    deviations = db.session.scalars(
        select(Deviation)
        .where(
            Deviation.agreement_id == agreement.id,
            or_(
                (Deviation.created_at >= period.start) & (Deviation.created_at < period.end),
                (Deviation.closed_at >= period.start) & (Deviation.closed_at < period.end),
            ),
        )
        .order_by(Deviation.created_at)
    ).all()
    in_period = lambda at: at is not None and period.start <= at < period.end  # noqa: E731
    actions = db.session.scalars(
        select(MeetingAction)
        .join(SupplierMeeting, SupplierMeeting.id == MeetingAction.meeting_id)
        .where(SupplierMeeting.agreement_id == agreement.id, MeetingAction.done_at.is_(None))
        .order_by(MeetingAction.due_on)
    ).all()
    _rows, spend = queries.call_offs(agreement)
    return StatusReport(
        meeting=meeting,
        agreement=agreement,
        period=period,
        evaluation=evaluate(agreement, period, now),
        opened=[d for d in deviations if in_period(d.created_at)],
        closed=[d for d in deviations if in_period(d.closed_at)],
        faults=_faults(agreement, period),
        spend=spend,
        due=queries.open_deadlines(
            select(Agreement).where(Agreement.id == agreement.id), local_day(now)
        ),
        open_actions=list(actions),
    )


def rows(report: StatusReport) -> Iterator[list]:
    """The report as rows of a sheet: section, what, measured, target or note."""
    for t in report.evaluation.trends:
        level = t.level
        measured = t.overall.value
        yield [
            _("Service levels"),
            str(level.metric_label) + (f" – {level.system.name}" if level.system else ""),
            measured,
            float(level.target),
            _(
                "%(num)d measured, %(over)d over the target",
                num=len(t.overall.cases),
                over=len(t.overall.breaches),
            ),
        ]
        for case in t.overall.breaches:
            yield [
                _("Over the target"),
                f"#{case.ticket_id} {case.label}" if case.ticket_id else case.label,
                case.value,
                float(level.target),
                format_d(local_day(case.started)),
            ]
    for d in report.opened:
        yield [_("Deviations opened"), d.title, str(d.severity_label), "", str(d.status_label)]
    for d in report.closed:
        yield [
            _("Deviations closed"),
            d.title,
            str(d.severity_label),
            "",
            format_d(local_day(d.closed_at)),
        ]
    for f in report.faults:
        yield [
            _("Faults per 1,000 in use"),
            str(f.product),
            f.per_thousand,
            "",
            _("%(faults)d faults, %(in_use)d in use", faults=f.faults, in_use=f.in_use),
        ]
    yield [
        _("Spend"),
        _("Orders on the agreement"),
        float(report.spend),
        float(report.agreement.estimated_value) if report.agreement.estimated_value else "",
        _("against the estimated value"),
    ]
    for row in report.due:
        kind = str(DEADLINE_LABELS.get(row.deadline.kind, row.deadline.kind))
        yield [_("Deadlines"), kind, format_d(row.deadline.due_on), "", ""]
    for a in report.open_actions:
        yield [_("Open actions"), a.text, a.who, "", format_d(a.due_on)]


def headers() -> list[str]:
    return [_("Section"), _("What"), _("Measured"), _("Target"), _("Note")]
