"""Periodic function tests («periodisk alarmkontroll»): recording a test, and what is due.

A product with `test_interval_months` has its installed devices tested that often.
A device is due when its last test in the current placement — or the installation,
if it has not been tested there yet — plus the interval falls on or before the
last day looked at (today plus a horizon). A failed test opens a ticket about the
device at once, so the fault is routed, prioritised and followed up like any other.

Due dates are Norwegian calendar days. «Plus n months» keeps the day of the month
and stops at the month's last day (31 August + 6 months = 28 February).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.functions import FunctionElement

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ConflictError
from vftops.core.models import OSLO, local_day, local_today, utcnow
from vftops.core.pagination import CappedPage, capped_page
from vftops.core.scope import municipality_ids, scoped
from vftops.core.validation import invalid, text_or_none
from vftops.equipment.models import (
    Category,
    Device,
    Placement,
    Product,
    Recipient,
    Visit,
    VisitKind,
    VisitStatus,
)
from vftops.extensions import db
from vftops.org.models import Unit
from vftops.support import operations as ops
from vftops.support.models import (
    Channel,
    FunctionTest,
    Level,
    ReporterKind,
    TestResult,
    TicketKind,
)

# The due list looks this many days ahead by default.
DUE_HORIZON_DAYS = 30
# A failed test of these means someone may be without a working alarm: high urgency.
ALARM_CATEGORIES = frozenset(
    {
        Category.SAFETY_ALARM.value,
        Category.MOBILE_ALARM.value,
        Category.FALL_SENSOR.value,
        Category.SMOKE_DETECTOR.value,
    }
)
# A test recorded a little ahead of the server's clock is a clock difference, not the future.
CLOCK_SLACK = timedelta(minutes=5)


# --- calendar months ------------------------------------------------------------------


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _last_day(year, month)))


def latest_start(cutoff: date, months: int) -> date:
    """The last day d for which add_months(d, months) is on or before `cutoff`."""
    index = cutoff.year * 12 + cutoff.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = _last_day(year, month)
    if cutoff.day == _last_day(cutoff.year, cutoff.month):
        return date(year, month, last)
    return date(year, month, min(cutoff.day, last))


def _start_of_day(day: date) -> datetime:
    """Midnight in Norway at the start of `day`, as a UTC moment."""
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(UTC)


class _plus_months(FunctionElement):
    """A timestamp column plus an integer column of months (for sorting by due date)."""

    name = "plus_months"
    inherit_cache = True


@compiles(_plus_months)
def _plus_months_postgresql(element, compiler, **kw):
    at, months = list(element.clauses)
    at_sql, months_sql = compiler.process(at, **kw), compiler.process(months, **kw)
    return f"({at_sql} + make_interval(months => {months_sql}))"


@compiles(_plus_months, "sqlite")
def _plus_months_sqlite(element, compiler, **kw):
    at, months = list(element.clauses)
    return (
        f"datetime({compiler.process(at, **kw)}, '+' || {compiler.process(months, **kw)} "
        "|| ' months')"
    )


# --- recording a test -----------------------------------------------------------------


def open_placement_of(device: Device) -> Placement | None:
    return db.session.scalar(
        select(Placement)
        .where(Placement.device_id == device.id, Placement.returned_at.is_(None))
        .options(joinedload(Placement.recipient))
    )


@operation
def record_function_test(
    actor,
    device: Device,
    *,
    result: str | None,
    note: str | None = None,
    tested_at: datetime | None = None,
) -> FunctionTest:
    """Record a function test of an installed device; a failed one opens a ticket.

    The device must be installed (have an open placement). The ticket is an
    equipment fault reported by the tester on the web, about the device and its
    recipient, routed and given its SLA like any other; its id is kept on the
    test. The caller has checked that the device is in the user's scope.
    """
    placement = open_placement_of(device)
    if placement is None:
        raise ConflictError(
            _l(
                "%(serial)s is not installed at a recipient: only installed devices are "
                "function-tested.",
                serial=device.serial_number,
            ),
            details={"status": device.status},
        )
    fields: dict[str, list] = {}
    if result not in {r.value for r in TestResult}:
        fields["result"] = [_l("Choose whether the test passed or failed.")]
    now = utcnow()
    if tested_at is not None:
        if tested_at.tzinfo is None:
            fields["tested_at"] = [_l("Give the time with its time zone.")]
        elif tested_at > now + CLOCK_SLACK:
            fields["tested_at"] = [_l("The test cannot be in the future.")]
        elif tested_at < placement.installed_at:
            fields["tested_at"] = [_l("The test cannot be before the device was installed.")]
    if fields:
        raise invalid(fields)
    tested_at = tested_at or now
    note = text_or_none(note)
    test = FunctionTest(
        municipality_id=placement.municipality_id,
        device_id=device.id,
        placement_id=placement.id,
        tested_at=tested_at,
        tested_by_id=actor.id if actor is not None else None,
        result=result,
        note=note,
    )
    db.session.add(test)
    db.session.flush()
    product = device.product
    summary = f"Funksjonstest av {device.serial_number}: " + (
        "bestått" if result == TestResult.PASSED else "ikke bestått"
    )
    if result == TestResult.FAILED:
        who = (actor.full_name or actor.username) if actor is not None else None
        when = tested_at.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
        by = f" ({who})" if who else ""
        description = f"Funksjonstesten {when} ble ikke bestått{by}."
        if note:
            description += f"\n\n{note}"
        ticket = ops.create_ticket(
            actor,
            placement.municipality_id,
            title=f"Funksjonstest ikke bestått: {product.name} {device.serial_number}",
            kind=TicketKind.EQUIPMENT_FAULT.value,
            channel=Channel.WEB.value,
            reporter_kind=ReporterKind.EMPLOYEE.value,
            reporter_name=who,
            description=description,
            devices=[device],
            recipient=placement.recipient,
            urgency=Level.HIGH.value if product.category in ALARM_CATEGORIES else None,
        )
        test.ticket_id = ticket.id
        summary += f", sak #{ticket.id} opprettet"
    audit.record(
        actor,
        "function_test.record",
        test,
        summary,
        changes={
            "result": {"before": None, "after": result},
            "ticket_id": {"before": None, "after": test.ticket_id},
        },
        municipality_id=placement.municipality_id,
    )
    return test


# --- what is due ----------------------------------------------------------------------


@dataclass
class DueFilters:
    """The due list's filters. `technician_id`: see `due_query`."""

    unit_id: int | None = None
    technician_id: int | None = None
    overdue_only: bool = False
    municipality_id: int | None = None
    horizon_days: int = DUE_HORIZON_DAYS


@dataclass
class DueRow:
    placement: Placement
    due_on: date
    base_on: date  # the last test, or the installation
    last_test: FunctionTest | None
    visits: list[Visit]  # planned test visits at the recipient

    @property
    def device(self) -> Device:
        return self.placement.device

    @property
    def recipient(self) -> Recipient:
        return self.placement.recipient

    def days_overdue(self, today: date) -> int:
        return (today - self.due_on).days


def _unit_and_below(unit_id: int, user) -> list[int]:
    """The unit and every unit under it (a zone under a department …), within scope."""
    rows = db.session.execute(
        scoped(select(Unit.id, Unit.parent_id), Unit, user).where(
            Unit.municipality_id.in_(
                select(Unit.municipality_id).where(Unit.id == unit_id).scalar_subquery()
            )
        )
    ).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent in rows:
        children.setdefault(parent, []).append(uid)
    if unit_id not in {uid for uid, _p in rows}:
        return []
    found, todo = [], [unit_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _last_tests_subquery(ids):
    return (
        select(FunctionTest.device_id, func.max(FunctionTest.tested_at).label("last_at"))
        .where(FunctionTest.municipality_id.in_(ids))
        .group_by(FunctionTest.device_id)
        .subquery("last_tests")
    )


def due_query(user, filters: DueFilters | None = None, *, today: date | None = None):
    """A select of the open placements whose device is due for a function test (not executed).

    Ordered by due date, most overdue first. Filters:
    - `unit_id`: recipients in that unit or a unit under it;
    - `technician_id`: recipients where that technician has a planned visit of kind
      «test» (for this device, or for the recipient as a whole). Without it, every
      due device is listed — a test is due whether or not anyone has planned it;
    - `overdue_only`: due before today (else: due within `horizon_days` from today);
    - `municipality_id`: one of the user's municipalities.
    """
    filters = filters or DueFilters()
    today = today or local_today()
    cutoff = today - timedelta(days=1) if filters.overdue_only else today
    if not filters.overdue_only:
        cutoff += timedelta(days=max(filters.horizon_days, 0))
    ids = municipality_ids(user)
    last = _last_tests_subquery(ids)
    base = case(
        (
            or_(last.c.last_at.is_(None), last.c.last_at < Placement.installed_at),
            Placement.installed_at,
        ),
        else_=last.c.last_at,
    )
    intervals = db.session.scalars(
        select(Product.test_interval_months)
        .where(Product.test_interval_months.is_not(None))
        .distinct()
    ).all()
    due = [
        and_(
            Product.test_interval_months == months,
            base < _start_of_day(latest_start(cutoff, months) + timedelta(days=1)),
        )
        for months in sorted(intervals)
    ]
    stmt = (
        scoped(select(Placement), Placement, user)
        .join(Device, Device.id == Placement.device_id)
        .join(Product, Product.id == Device.product_id)
        .join(Recipient, Recipient.id == Placement.recipient_id)
        .outerjoin(last, last.c.device_id == Placement.device_id)
        .where(Placement.returned_at.is_(None), or_(*due) if due else false())
        .options(
            contains_eager(Placement.device).contains_eager(Device.product),
            contains_eager(Placement.recipient).joinedload(Recipient.unit),
        )
        .order_by(_plus_months(base, Product.test_interval_months), Placement.id)
    )
    if filters.municipality_id:
        stmt = stmt.where(Placement.municipality_id == filters.municipality_id)
    if filters.unit_id:
        stmt = stmt.where(Recipient.unit_id.in_(_unit_and_below(filters.unit_id, user) or [-1]))
    if filters.technician_id:
        stmt = stmt.where(
            exists().where(
                Visit.recipient_id == Placement.recipient_id,
                Visit.kind == VisitKind.TEST.value,
                Visit.status == VisitStatus.PLANNED.value,
                Visit.assigned_to_id == filters.technician_id,
                or_(Visit.placement_id.is_(None), Visit.placement_id == Placement.id),
            )
        )
    return stmt


def due_rows(placements: list[Placement]) -> list[DueRow]:
    """Each placement with its due date, last test and planned test visits: two queries."""
    if not placements:
        return []
    device_ids = [p.device_id for p in placements]
    latest = (
        select(FunctionTest.device_id, func.max(FunctionTest.tested_at).label("last_at"))
        .where(FunctionTest.device_id.in_(device_ids))
        .group_by(FunctionTest.device_id)
        .subquery()
    )
    tests = {
        t.device_id: t
        for t in db.session.scalars(
            select(FunctionTest)
            .join(
                latest,
                and_(
                    latest.c.device_id == FunctionTest.device_id,
                    latest.c.last_at == FunctionTest.tested_at,
                ),
            )
            .options(joinedload(FunctionTest.tested_by))
            .order_by(FunctionTest.id)
        )
    }
    visits: dict[int, list[Visit]] = {}
    for visit in db.session.scalars(
        select(Visit)
        .where(
            Visit.recipient_id.in_({p.recipient_id for p in placements}),
            Visit.kind == VisitKind.TEST.value,
            Visit.status == VisitStatus.PLANNED.value,
        )
        .options(joinedload(Visit.assigned_to))
        .order_by(Visit.planned_on, Visit.id)
    ):
        visits.setdefault(visit.recipient_id, []).append(visit)
    rows = []
    for placement in placements:
        test = tests.get(placement.device_id)
        if test is not None and test.tested_at < placement.installed_at:
            test = None  # tested in an earlier placement: the installation counts
        base = test.tested_at if test is not None else placement.installed_at
        base_on = local_day(base)
        months = placement.device.product.test_interval_months or 0
        rows.append(
            DueRow(
                placement=placement,
                due_on=add_months(base_on, months),
                base_on=base_on,
                last_test=test,
                visits=[
                    v
                    for v in visits.get(placement.recipient_id, [])
                    if v.placement_id in (None, placement.id)
                ],
            )
        )
    return rows


def due_page(
    user,
    filters: DueFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
) -> CappedPage:
    """One page of the due list, its items as DueRow, in a fixed number of queries."""
    found = capped_page(due_query(user, filters, today=today), page=page, per_page=per_page)
    found.items = due_rows(found.items)
    return found


def overdue_count(user, *, today: date | None = None) -> int:
    """How many devices in the user's municipalities are past their function test."""
    stmt = due_query(user, DueFilters(overdue_only=True), today=today)
    limited = stmt.with_only_columns(Placement.id, maintain_column_froms=True).order_by(None)
    return db.session.scalar(select(func.count()).select_from(limited.subquery())) or 0


def history_of(device: Device, limit: int = 10) -> list[FunctionTest]:
    """The device's latest function tests, newest first."""
    return list(
        db.session.scalars(
            select(FunctionTest)
            .where(FunctionTest.device_id == device.id)
            .options(joinedload(FunctionTest.tested_by), joinedload(FunctionTest.ticket))
            .order_by(FunctionTest.tested_at.desc(), FunctionTest.id.desc())
            .limit(limit)
        )
    )
