"""Support reports: volume per week, faults per product, SLA compliance, response times.

Every figure is an aggregate over the municipalities the reader may see, in a fixed
number of queries whatever the number of tickets. Weeks are Norwegian weeks (Monday
00:00 in Europe/Oslo); the week boundaries are worked out here and handed to the
database, so the same SQL runs on SQLite and PostgreSQL.

Medians: the database counts the durations per rounded minute (per hour above two
days, as the page shows them) and Python finds the middle of those counts — a few
thousand rows at most, never every ticket. Measured on 500,000 rows (a year of
durations, four priorities): PostgreSQL 340 ms this way, 490 ms with
`percentile_cont(0.5)` (which sorts every row), 950 ms with window functions;
SQLite, which has no median, 540–710 ms this way and 1.3–1.6 s with window
functions. So both databases run the same SQL.
"""

from __future__ import annotations

import threading
import time as clock
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import Integer, and_, case, exists, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.functions import FunctionElement

from vftops.core.db import side_by_side as run_side_by_side
from vftops.core.models import OSLO, local_day, utcnow
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Movement,
    MovementKind,
    Placement,
    Product,
    ReturnReason,
)
from vftops.extensions import db
from vftops.suppliers.models import Supplier
from vftops.support.models import (
    Priority,
    Team,
    Ticket,
    TicketKind,
    TicketStatus,
    ticket_devices,
)

WEEK_CHOICES = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
# A fault of a device: a ticket of one of these kinds about it, or a return as faulty.
FAULT_KINDS = (TicketKind.EQUIPMENT_FAULT.value, TicketKind.TECHNICAL_ALARM.value)
# The order of the stacked bars, most alarming at the bottom.
KIND_ORDER = tuple(k.value for k in TicketKind)


# --- the period -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The last `weeks` Norwegian weeks, the current one included (it runs up to `until`)."""

    weeks: int
    starts: tuple[datetime, ...]  # UTC moments of Monday 00:00 in Norway, oldest first
    until: datetime

    @property
    def since(self) -> datetime:
        return self.starts[0]

    def week_label(self, index: int) -> tuple[int, object]:
        """(ISO week number, the Monday) of the index-th week."""
        monday = self.starts[index].astimezone(OSLO).date()
        return monday.isocalendar()[1], monday


def period(weeks: int = DEFAULT_WEEKS, now: datetime | None = None) -> Period:
    if weeks not in WEEK_CHOICES:
        weeks = DEFAULT_WEEKS
    now = now or utcnow()
    today = local_day(now)
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    starts = tuple(
        datetime.combine(first + timedelta(weeks=i), time.min, OSLO).astimezone(UTC)
        for i in range(weeks)
    )
    return Period(weeks=weeks, starts=starts, until=now)


def _in(column, p: Period):
    return and_(column >= p.since, column < p.until)


# --- durations and medians ----------------------------------------------------------------


class minutes_between(FunctionElement):
    """Whole minutes (rounded half up) from the second timestamp to the first (both
    columns, the first not before the second)."""

    type = Integer()
    inherit_cache = True
    name = "minutes_between"


# The reports work out a duration for every ticket in the period: at 90,000
# acknowledgements PostgreSQL takes 21 ms with EXTRACT (a numeric since version 14)
# and 15 ms with date_part (a double). SQLite's julianday keeps fractions of a
# second (unixepoch, twice as fast, drops them and could put a duration a minute
# off). Both round half up.


@compiles(minutes_between)
def _minutes_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"CAST(FLOOR(date_part('epoch', {compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)}) / 60 + 0.5) AS INTEGER)"
    )


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # Half up, with 60 µs to spare: a julianday keeps about 40 µs, so 90 s can come out
    # as 89.99996 s. (A CAST is a third faster than ROUND over 90,000 rows.)
    return f"CAST((julianday({later}) - julianday({earlier})) * 1440 + 0.500001 AS INTEGER)"


# Below two days a duration is shown to the minute, above it to the hour: the medians
# are worked out from counts of durations rounded the same way, exact as shown.
HOUR_BUCKETS_FROM = 48 * 60


def _median(counts: list[tuple[int, int]]) -> float:
    """The median of a sorted list of (value, how many)."""
    total = sum(n for _value, n in counts)
    wanted = {(total - 1) // 2, total // 2}
    found, seen = [], 0
    for value, n in counts:
        for position in sorted(wanted):
            if seen <= position < seen + n:
                found.append(value)
        seen += n
    return sum(found) / len(found)


def _bucket(minutes: int) -> int:
    """A duration as the page shows it: to the minute below two days, to the hour above."""
    return minutes if minutes < HOUR_BUCKETS_FROM else (minutes + 30) // 60 * 60


def medians(group, minutes, where: Iterable) -> dict:
    """{group value: (median seconds, count)} of `minutes` (whole minutes: a column kept
    by the database, or `minutes_between(later, earlier)`), in one query.

    The database counts the tickets per group and duration (at most a few thousand
    rows, where a true median sorts every ticket); Python rounds the durations as the
    page shows them and finds the middle. Exact to the minute below two days and to
    the hour above.
    """
    rows = db.session.execute(
        select(group, minutes, func.count())
        .where(*where, minutes.is_not(None))
        .group_by(group, minutes)
    )
    per_group: dict = defaultdict(lambda: defaultdict(int))
    for g, value, n in rows:
        per_group[g][_bucket(int(value))] += int(n)
    return {
        g: (_median(sorted(counts.items())) * 60, sum(counts.values()))
        for g, counts in per_group.items()
    }


# --- tickets per week by kind -------------------------------------------------------------


def tickets_per_week(municipality_ids: Iterable[int], p: Period) -> list[dict[str, int]]:
    """New tickets per week and kind: a list with one {kind: n} per week, oldest first.

    Incidents are left out: the tickets under them are the reports that came in.
    One statement: a count by kind per week, each week and kind a range of an index
    of registrations by kind — at 100,000 tickets in twelve weeks 25 ms where
    working out the week of every ticket with a CASE took 60.
    """
    ids = list(municipality_ids)
    bounds = [*p.starts, p.until]
    weeks = [
        select(literal(index).label("week"), Ticket.kind, func.count())
        .where(
            Ticket.municipality_id.in_(ids),
            Ticket.created_at >= bounds[index],
            Ticket.created_at < bounds[index + 1],
            Ticket.is_incident.is_(False),
            # Every kind named: the index is read kind by kind, each a range of
            # dates, and the counts come out in kind order without a sort.
            Ticket.kind.in_(KIND_ORDER),
        )
        .group_by(Ticket.kind)
        for index in range(p.weeks)
    ]
    out: list[dict[str, int]] = [{} for _ in range(p.weeks)]
    for index, kind, n in db.session.execute(union_all(*weeks)):
        out[int(index)][kind] = int(n)
    return out


# --- faults per product model ---------------------------------------------------------------


def failure_counts(
    *,
    since: datetime,
    until: datetime | None = None,
    municipality_ids: Iterable[int] | None = None,
    store_ids: Iterable[int] | None = None,
) -> dict:
    """How often devices failed from `since` (to `until`), per product model.

    A fault is a ticket of kind equipment fault or technical alarm about a device of
    the product (one per ticket and product, however many devices it names), plus a
    return of a device as faulty — unless a fault ticket about that device was
    registered in the same period (then it is the same fault, counted once).

    With `municipality_ids`: {product_id: faults} for devices in those municipalities.
    With `store_ids`: {(store_id, product_id): faults}, the store being where the
    device was installed from — the shape the stock minimum suggestion uses
    (`vftops.stock.queries.suggestions._failures_from` counts only returns today; it can take
    these counts instead to let technical alarms and fault tickets weigh in too).
    Two queries whatever the amount of data.
    """
    until = until or utcnow()
    if (municipality_ids is None) == (store_ids is None):
        raise ValueError("give either municipality_ids or store_ids")
    ticket_in_period = and_(
        Ticket.kind.in_(FAULT_KINDS),
        Ticket.created_at >= since,
        Ticket.created_at < until,
    )
    tickets = (
        select(Device.product_id, func.count(func.distinct(Ticket.id)))
        .select_from(Ticket)
        .join(ticket_devices, ticket_devices.c.ticket_id == Ticket.id)
        .join(Device, Device.id == ticket_devices.c.device_id)
        .where(ticket_in_period)
    )
    had_ticket = exists(
        select(ticket_devices.c.device_id)
        .join(Ticket, Ticket.id == ticket_devices.c.ticket_id)
        .where(ticket_devices.c.device_id == Placement.device_id, ticket_in_period)
    )
    returns = (
        select(Device.product_id, func.count(Placement.id))
        .select_from(Placement)
        .join(Device, Device.id == Placement.device_id)
        .where(
            Placement.return_reason == ReturnReason.FAULTY.value,
            Placement.returned_at >= since,
            Placement.returned_at < until,
            ~had_ticket,
        )
    )
    if store_ids is not None:
        stores = list(store_ids)
        tickets = (
            tickets.add_columns(Movement.from_store_id)
            .join(
                Movement,
                and_(
                    Movement.device_id == Device.id,
                    Movement.kind == MovementKind.INSTALL.value,
                    Movement.from_store_id.in_(stores),
                ),
            )
            .group_by(Movement.from_store_id, Device.product_id)
        )
        returns = (
            returns.add_columns(Movement.from_store_id)
            .join(
                Movement,
                and_(
                    Movement.placement_id == Placement.id,
                    Movement.kind == MovementKind.INSTALL.value,
                    Movement.from_store_id.in_(stores),
                ),
            )
            .group_by(Movement.from_store_id, Device.product_id)
        )
        out: dict = defaultdict(int)
        for stmt in (tickets, returns):
            for product_id, n, store_id in db.session.execute(stmt):
                out[(store_id, product_id)] += int(n)
        return dict(out)
    ids = list(municipality_ids)
    tickets = tickets.where(Ticket.municipality_id.in_(ids)).group_by(Device.product_id)
    returns = returns.where(Placement.municipality_id.in_(ids)).group_by(Device.product_id)
    out = defaultdict(int)
    for stmt in (tickets, returns):
        for product_id, n in db.session.execute(stmt):
            out[product_id] += int(n)
    return dict(out)


def devices_in_use(municipality_ids: Iterable[int]) -> dict[int, int]:
    """Installed devices now, per product."""
    return {
        product_id: int(n)
        for product_id, n in db.session.execute(
            select(Device.product_id, func.count())
            .where(
                Device.status == DeviceStatus.INSTALLED.value,
                Device.municipality_id.in_(list(municipality_ids)),
            )
            .group_by(Device.product_id)
        )
    }


@dataclass
class FaultRow:
    product: SimpleNamespace  # id and name
    in_use: int
    faults: int

    @property
    def per_thousand(self) -> float | None:
        if not self.in_use:
            return None
        return self.faults * 1000 / self.in_use


def faults_per_product(municipality_ids: Iterable[int], p: Period) -> list[FaultRow]:
    """Faults in the period per 1,000 devices of the model installed now, worst first."""
    ids = list(municipality_ids)
    faults = failure_counts(since=p.since, until=p.until, municipality_ids=ids)
    in_use = devices_in_use(ids)
    wanted = set(faults) | set(in_use)
    if not wanted:
        return []
    # The name is all the report shows: three columns, not every product's whole row.
    products = {
        row.id: SimpleNamespace(id=row.id, name=f"{row.manufacturer} {row.model}")
        for row in db.session.execute(
            select(Product.id, Product.manufacturer, Product.model).where(Product.id.in_(wanted))
        )
    }
    rows = [
        FaultRow(product=products[pid], in_use=in_use.get(pid, 0), faults=faults.get(pid, 0))
        for pid in wanted
        if pid in products
    ]
    rows.sort(
        key=lambda r: (
            r.per_thousand is None,
            -(r.per_thousand or 0),
            -r.faults,
            r.product.name.lower(),
        )
    )
    return rows


# --- SLA compliance ------------------------------------------------------------------------


@dataclass
class SlaRow:
    label: str
    team: SimpleNamespace | None  # id and name
    resolved: int
    breached: int
    acknowledge_breached: int

    @property
    def met(self) -> int:
        return self.resolved - self.breached

    @property
    def share(self) -> float | None:
        """Share of the resolved tickets resolved within their deadline (0–1)."""
        return self.met / self.resolved if self.resolved else None


def sla_per_team(municipality_ids: Iterable[int], p: Period, *, no_team: str) -> list[SlaRow]:
    """Tickets resolved in the period per team, and how many of them breached the SLA.

    Over several municipalities each team is named with its municipality (every
    municipality may have a «Servicedesk»)."""
    ids = list(municipality_ids)
    rows = db.session.execute(
        select(
            Ticket.team_id,
            func.count(),
            func.coalesce(func.sum(case((Ticket.resolve_breached_at.is_not(None), 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((Ticket.acknowledge_breached_at.is_not(None), 1), else_=0)), 0
            ),
        )
        .where(Ticket.municipality_id.in_(ids), _in(Ticket.resolved_at, p))
        .group_by(Ticket.team_id)
    ).all()
    team_ids = {team_id for team_id, *_ in rows if team_id is not None}
    teams = (
        {
            t.id: t
            for t in db.session.scalars(
                select(Team).where(Team.id.in_(team_ids)).options(joinedload(Team.municipality))
            )
        }
        if team_ids
        else {}
    )
    several = len(ids) > 1
    out = []
    for team_id, resolved, breached, ack in rows:
        team = teams.get(team_id)
        label = no_team
        if team is not None:
            label = f"{team.name} ({team.municipality.name})" if several else team.name
        out.append(
            SlaRow(
                label=label,
                team=team,
                resolved=int(resolved),
                breached=int(breached),
                acknowledge_breached=int(ack),
            )
        )
    out.sort(key=lambda r: (r.team is None, r.label.lower()))
    return out


@dataclass
class SupplierRow:
    supplier: SimpleNamespace  # id and name
    escalated: int
    answered: int
    fixed: int
    waiting: int
    median_answer: float | None  # seconds from escalation to the supplier's answer
    median_fix: float | None  # seconds from escalation to the fix


def supplier_sla(municipality_ids: Iterable[int], p: Period) -> list[SupplierRow]:
    """Tickets escalated in the period per supplier; median time to answer and to fix."""
    ids = list(municipality_ids)
    scope = (
        Ticket.municipality_id.in_(ids),
        Ticket.supplier_id.is_not(None),
        _in(Ticket.escalated_at, p),
    )
    rows = db.session.execute(
        select(
            Ticket.supplier_id,
            func.count(),
            func.count(Ticket.supplier_answered_at),
            func.count(Ticket.supplier_fixed_at),
            func.coalesce(
                func.sum(case((Ticket.status == TicketStatus.WAITING_SUPPLIER.value, 1), else_=0)),
                0,
            ),
        )
        .where(*scope)
        .group_by(Ticket.supplier_id)
    ).all()
    if not rows:
        return []
    answer = medians(
        Ticket.supplier_id,
        minutes_between(Ticket.supplier_answered_at, Ticket.escalated_at),
        [*scope, Ticket.supplier_answered_at.is_not(None)],
    )
    fix = medians(
        Ticket.supplier_id,
        minutes_between(Ticket.supplier_fixed_at, Ticket.escalated_at),
        [*scope, Ticket.supplier_fixed_at.is_not(None)],
    )
    suppliers = {
        s.id: s
        for s in db.session.scalars(select(Supplier).where(Supplier.id.in_({r[0] for r in rows})))
    }
    out = [
        SupplierRow(
            supplier=suppliers[supplier_id],
            escalated=int(n),
            answered=int(answered),
            fixed=int(fixed),
            waiting=int(waiting),
            median_answer=answer.get(supplier_id, (None,))[0],
            median_fix=fix.get(supplier_id, (None,))[0],
        )
        for supplier_id, n, answered, fixed, waiting in rows
    ]
    out.sort(key=lambda r: r.supplier.name.lower())
    return out


# --- time to acknowledge and to resolve --------------------------------------------------------


@dataclass
class TimesRow:
    priority: int
    acknowledged: int
    median_acknowledge: float | None  # seconds, calendar time from registration
    resolved: int
    median_resolve: float | None


def response_times(municipality_ids: Iterable[int], p: Period) -> list[TimesRow]:
    """Median calendar time from registration to acknowledged (acknowledged in the period)
    and to resolved (resolved in the period), per priority. Two queries."""
    ids = list(municipality_ids)
    return _times(acknowledge_medians(ids, p), resolve_medians(ids, p))


# The minutes to acknowledge and to resolve are kept on the ticket by the database
# (and carried in the indexes these read): working them out from the times in the
# query was half the page's time on SQLite.


def acknowledge_medians(ids: list[int], p: Period) -> dict:
    return medians(
        Ticket.priority,
        Ticket.minutes_to_acknowledge,
        [Ticket.municipality_id.in_(ids), _in(Ticket.acknowledged_at, p)],
    )


def resolve_medians(ids: list[int], p: Period) -> dict:
    return medians(
        Ticket.priority,
        Ticket.minutes_to_resolve,
        [Ticket.municipality_id.in_(ids), _in(Ticket.resolved_at, p)],
    )


def _times(ack: dict, resolve: dict) -> list[TimesRow]:
    return [
        TimesRow(
            priority=int(priority),
            acknowledged=ack.get(priority, (None, 0))[1],
            median_acknowledge=ack.get(priority, (None, 0))[0],
            resolved=resolve.get(priority, (None, 0))[1],
            median_resolve=resolve.get(priority, (None, 0))[0],
        )
        for priority in (p_.value for p_ in Priority)
        if priority in ack or priority in resolve
    ]


# --- everything the page shows --------------------------------------------------------------


@dataclass
class Report:
    period: Period
    weekly: list[dict[str, int]]
    faults: list[FaultRow]
    teams: list[SlaRow]
    suppliers: list[SupplierRow]
    times: list[TimesRow]
    kinds: list[str] = field(default_factory=list)  # the kinds that occur, in KIND_ORDER

    @property
    def total_new(self) -> int:
        return sum(sum(w.values()) for w in self.weekly)


def _plain(obj) -> SimpleNamespace:
    """A team or supplier without its database session: the report outlives it."""
    return SimpleNamespace(id=obj.id, name=obj.name)


def _frozen_teams(rows: list[SlaRow]) -> list[SlaRow]:
    return [replace(row, team=_plain(row.team) if row.team is not None else None) for row in rows]


def _frozen_suppliers(rows: list[SupplierRow]) -> list[SupplierRow]:
    return [replace(row, supplier=_plain(row.supplier)) for row in rows]


def build(
    municipality_ids: Iterable[int], p: Period, *, no_team: str, side_by_side: bool = False
) -> Report:
    """The whole report. `side_by_side`: its six aggregates run at the same time on
    connections of their own (for a page; they cannot see what the caller has not
    committed). Each reads an index range of the period, 10–40 ms at national size;
    on two cores the page waits for the longest pair rather than their sum."""
    ids = sorted(municipality_ids)
    parts = {  # the longest first, so the last to start are the short ones
        "acknowledge": lambda: acknowledge_medians(ids, p),
        "faults": lambda: faults_per_product(ids, p),
        "resolve": lambda: resolve_medians(ids, p),
        "teams": lambda: _frozen_teams(sla_per_team(ids, p, no_team=no_team)),
        "weekly": lambda: tickets_per_week(ids, p),
        "suppliers": lambda: _frozen_suppliers(supplier_sla(ids, p)),
    }
    if side_by_side:
        done = run_side_by_side(parts)
    else:
        done = {name: part() for name, part in parts.items()}
    used = {k for week in done["weekly"] for k in week}
    return Report(
        period=p,
        weekly=done["weekly"],
        faults=done["faults"],
        teams=done["teams"],
        suppliers=done["suppliers"],
        times=_times(done["acknowledge"], done["resolve"]),
        kinds=[k for k in KIND_ORDER if k in used],
    )


# --- worked out once, read many times --------------------------------------------------------

# Twelve weeks of a national servicedesk's tickets take most of a second to add up, and
# the figures are the same for everyone who looks within minutes: each view
# (municipalities, weeks, language) is worked out at most once per
# SUPPORT_REPORT_CACHE_SECONDS in each server process, and the page says as of when.
_CACHE: OrderedDict[tuple, tuple[float, Report]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


def cached_build(
    municipality_ids: Iterable[int], weeks: int, *, no_team: str, max_age: float
) -> Report:
    """`build` for the last `weeks`, or the same view's report from the last `max_age`
    seconds (0: always worked out)."""
    key = (tuple(sorted(municipality_ids)), weeks, no_team)
    now = clock.monotonic()
    if max_age > 0:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None and now - hit[0] < max_age:
                _CACHE.move_to_end(key)
                return hit[1]
    report = build(key[0], period(weeks), no_team=no_team, side_by_side=True)
    if max_age > 0:
        with _CACHE_LOCK:
            _CACHE[key] = (now, report)
            _CACHE.move_to_end(key)
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return report


def forget_cached_reports() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
