"""What the daily digest says about tickets and function tests, person by person.

`collect()` reads, for everyone at once and in a fixed number of queries:
- open tickets past their warning point or their deadline (breaching soon or
  breached), not waiting (their clock is stopped) and not under an incident (the
  incident carries them);
- who is in which active team;
- per municipality, how many installed devices are past their function test, and
  the longest overdue of them.

`items_for(person, …)` then picks that person's share in the current language:
the tickets of their teams or assigned to them, in the municipalities they work
in; and, if they may record function tests, the overdue tests of their
municipalities. The e-mail (`vftops.notify`) and the in-app list
(`stock.notifications`) show the same items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, false, func, or_, select

from vftops.core.alerts import Item
from vftops.core.errors import ConflictError
from vftops.core.i18n import format_d, format_dt
from vftops.core.models import local_day, utcnow
from vftops.core.scope import municipality_ids
from vftops.equipment.models import Device, Placement, Product
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.support import function_tests as ft
from vftops.support import queries
from vftops.support.models import FunctionTest, Team, Ticket, TicketStatus, team_members
from vftops.support.operations import sweep
from vftops.support.permissions import TESTS_RECORD, TICKETS_VIEW

BREACHED = "ticket_breached"
SOON = "ticket_soon"
TEST_OVERDUE = "test_overdue"
TESTS_MORE = "tests_more"

# Per person and list: the rest is one line with a link to the full list.
MAX_TICKETS = 25
MAX_TESTS_PER_MUNICIPALITY = 10
# The in-app list of one person reads at most this many tickets.
PAGE_LIMIT = 500


@dataclass
class TestGroup:
    label: str  # the municipality
    items: list[Item]
    total: int


@dataclass
class SupportItems:
    breached: list[Item] = field(default_factory=list)
    soon: list[Item] = field(default_factory=list)
    tests: list[TestGroup] = field(default_factory=list)
    more_breached: int = 0
    more_soon: int = 0

    @property
    def ticket_count(self) -> int:
        return len(self.breached) + len(self.soon) + self.more_breached + self.more_soon

    @property
    def test_count(self) -> int:
        return sum(g.total for g in self.tests)

    @property
    def count(self) -> int:
        return self.ticket_count + self.test_count

    def __bool__(self) -> bool:
        return bool(self.count)

    @property
    def topics(self) -> list[str]:
        """For the command's output, in English as the rest of it."""
        return [
            topic
            for topic, count in (
                ("support tickets", self.ticket_count),
                ("function tests", self.test_count),
            )
            if count
        ]

    @property
    def reason(self) -> str:
        return _("You handle tickets or function tests in vftops.")


@dataclass
class OverdueTest:
    device_id: int
    serial: str
    product: str
    due_on: date


@dataclass(frozen=True)
class Flagged:
    """An open ticket past its warning point or a deadline: what the digest says of it."""

    id: int
    title: str
    municipality_id: int
    team_id: int | None
    assignee_id: int | None
    breached: bool
    what: str  # "acknowledge" or "resolve"
    deadline: datetime


@dataclass
class SupportData:
    """Everything the support part of the digest needs, read once for everyone."""

    now: datetime
    today: date
    tickets: list[Flagged] = field(default_factory=list)  # by deadline
    teams_of: dict[int, set[int]] = field(default_factory=dict)  # user → active teams
    overdue_total: dict[int, int] = field(default_factory=dict)  # municipality → count
    overdue: dict[int, list[OverdueTest]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # municipality names
    by_team: dict[int, list[Flagged]] = field(default_factory=dict)
    by_assignee: dict[int, list[Flagged]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # nothing for the command's output

    @property
    def people(self) -> set[int]:
        """Who may have something: members of active teams and assignees of flagged tickets."""
        return set(self.teams_of) | set(self.by_assignee)

    def tickets_of(self, person_id: int) -> list[Flagged]:
        """The flagged tickets of the person's teams or assigned to them, by deadline."""
        found: dict[int, Flagged] = {t.id: t for t in self.by_assignee.get(person_id, [])}
        for team_id in self.teams_of.get(person_id, ()):
            for ticket in self.by_team.get(team_id, []):
                found.setdefault(ticket.id, ticket)
        return sorted(found.values(), key=lambda t: (t.deadline, t.id))

    def for_person(self, person, municipality_ids) -> SupportItems:
        return items_for(person, set(municipality_ids), self)


# --- reading, for everyone at once ---------------------------------------------------------


def _flagged(now: datetime, municipality_ids, person=None) -> list[Flagged]:
    """Open tickets, not waiting and not under an incident, past their warning point or a
    deadline. Columns only; the SLA state worked out as the queue's clock does."""
    stmt = (
        select(
            Ticket.id,
            Ticket.title,
            Ticket.municipality_id,
            Ticket.team_id,
            Ticket.assignee_id,
            Ticket.acknowledged_at,
            Ticket.acknowledge_due_at,
            Ticket.resolve_due_at,
        )
        .where(
            queries.is_open_clause(),
            Ticket.status.not_in(
                [TicketStatus.WAITING_REPORTER.value, TicketStatus.WAITING_SUPPLIER.value]
            ),
            Ticket.parent_id.is_(None),
            or_(
                Ticket.resolve_warn_at <= now,
                and_(Ticket.acknowledged_at.is_(None), Ticket.acknowledge_due_at <= now),
            ),
        )
        .order_by(Ticket.resolve_due_at, Ticket.id)
    )
    if municipality_ids is not None:
        stmt = stmt.where(Ticket.municipality_id.in_(list(municipality_ids)))
    if person is not None:  # one person's page: their teams and their own, a page's worth
        stmt = stmt.where(
            or_(
                Ticket.assignee_id == person.id,
                Ticket.team_id.in_(
                    select(team_members.c.team_id).where(team_members.c.user_id == person.id)
                ),
            )
        ).limit(PAGE_LIMIT)
    out = []
    for row in db.session.execute(stmt):
        # As `queries.clock`: before it is acknowledged, the deadline to acknowledge counts.
        if row.acknowledged_at is None:
            what, deadline = "acknowledge", row.acknowledge_due_at
        else:
            what, deadline = "resolve", row.resolve_due_at
        out.append(
            Flagged(
                id=row.id,
                title=row.title,
                municipality_id=row.municipality_id,
                team_id=row.team_id,
                assignee_id=row.assignee_id,
                breached=deadline <= now,
                what=what,
                deadline=deadline,
            )
        )
    out.sort(key=lambda t: (t.deadline, t.id))
    return out


def _overdue_tests(today: date, municipality_ids: Iterable[int] | None):
    """Per municipality: how many installed devices are past their function test, and the
    longest overdue. The due rule is the due list's (`function_tests.due_query`): the last
    test in the current placement, or the installation, plus the product's interval."""
    intervals = db.session.scalars(
        select(Product.test_interval_months)
        .where(Product.test_interval_months.is_not(None))
        .distinct()
    ).all()
    if not intervals:
        return {}, {}
    cutoff = today - timedelta(days=1)
    last = (
        select(FunctionTest.device_id, func.max(FunctionTest.tested_at).label("last_at"))
        .group_by(FunctionTest.device_id)
        .subquery("last_tests")
    )
    base = case(
        (
            or_(last.c.last_at.is_(None), last.c.last_at < Placement.installed_at),
            Placement.installed_at,
        ),
        else_=last.c.last_at,
    )
    due = [
        and_(
            Product.test_interval_months == months,
            base < ft._start_of_day(ft.latest_start(cutoff, months) + timedelta(days=1)),
        )
        for months in sorted(intervals)
    ]
    where = [Placement.returned_at.is_(None), or_(*due) if due else false()]
    if municipality_ids is not None:
        where.append(Placement.municipality_id.in_(list(municipality_ids)))

    def joined(stmt):
        return (
            stmt.join(Device, Device.id == Placement.device_id)
            .join(Product, Product.id == Device.product_id)
            .outerjoin(last, last.c.device_id == Placement.device_id)
            .where(*where)
        )

    totals = {
        m: int(n)
        for m, n in db.session.execute(
            joined(select(Placement.municipality_id, func.count())).group_by(
                Placement.municipality_id
            )
        )
    }
    ranked = joined(
        select(
            Placement.municipality_id.label("municipality_id"),
            Device.id.label("device_id"),
            Device.serial_number.label("serial"),
            Product.manufacturer.label("manufacturer"),
            Product.model.label("model"),
            Product.test_interval_months.label("months"),
            base.label("base"),
            func.row_number()
            .over(
                partition_by=Placement.municipality_id,
                order_by=(ft._plus_months(base, Product.test_interval_months), Placement.id),
            )
            .label("rn"),
        )
    ).subquery()
    rows = db.session.execute(
        select(
            ranked.c.municipality_id,
            ranked.c.device_id,
            ranked.c.serial,
            ranked.c.manufacturer,
            ranked.c.model,
            ranked.c.months,
            ranked.c.base,
        )
        .where(ranked.c.rn <= MAX_TESTS_PER_MUNICIPALITY)
        .order_by(ranked.c.municipality_id, ranked.c.rn)
    ).all()
    overdue: dict[int, list[OverdueTest]] = defaultdict(list)
    for municipality_id, device_id, serial, manufacturer, model, months, at in rows:
        if isinstance(at, str):  # a CASE of timestamps may come back from SQLite as text
            at = datetime.fromisoformat(at).replace(tzinfo=UTC)
        overdue[municipality_id].append(
            OverdueTest(
                device_id=device_id,
                serial=serial,
                product=f"{manufacturer} {model}",
                due_on=ft.add_months(local_day(at), months),
            )
        )
    return totals, dict(overdue)


def collect(
    now: datetime,
    today: date,
    *,
    municipality_ids: Iterable[int] | None = None,
    person=None,
    tests: bool = True,
) -> SupportData:
    """Read what the support part of everyone's digest needs: six queries, whatever the
    number of people, tickets and devices (fewer when nothing has a test interval).

    `person`: only what that person's own list shows (the in-app page), at most
    PAGE_LIMIT tickets. `tests=False`: leave the function tests out.
    """
    ids = None if municipality_ids is None else sorted(municipality_ids)
    data = SupportData(now=now, today=today)
    data.tickets = _flagged(now, ids, person)
    for ticket in data.tickets:
        if ticket.team_id is not None:
            data.by_team.setdefault(ticket.team_id, []).append(ticket)
        if ticket.assignee_id is not None:
            data.by_assignee.setdefault(ticket.assignee_id, []).append(ticket)
    teams_of: dict[int, set[int]] = defaultdict(set)
    member_rows = (
        select(team_members.c.user_id, team_members.c.team_id)
        .join(Team, Team.id == team_members.c.team_id)
        .where(Team.is_active.is_(True))
    )
    if ids is not None:
        member_rows = member_rows.where(Team.municipality_id.in_(ids))
    if person is not None:
        member_rows = member_rows.where(team_members.c.user_id == person.id)
    for user_id, team_id in db.session.execute(member_rows):
        teams_of[user_id].add(team_id)
    data.teams_of = dict(teams_of)
    if tests:
        data.overdue_total, data.overdue = _overdue_tests(today, ids)
    wanted = {t.municipality_id for t in data.tickets} | set(data.overdue_total)
    if wanted:
        data.names = dict(
            db.session.execute(
                select(Municipality.id, Municipality.name).where(Municipality.id.in_(wanted))
            ).all()
        )
    return data


def collect_everyone(day: date, now: datetime) -> SupportData:
    """The daily e-mail's part (declared in module.py): everyone's tickets and tests."""
    return collect(now, day)


# --- one person's share, in the current language ---------------------------------------------


def _ticket_item(ticket: Flagged) -> Item:
    values = {"id": ticket.id, "title": ticket.title, "deadline": format_dt(ticket.deadline)}
    if ticket.breached:
        kind = BREACHED
        if ticket.what == "acknowledge":
            text = _("#%(id)d %(title)s: the deadline to acknowledge passed %(deadline)s", **values)
        else:
            text = _("#%(id)d %(title)s: the deadline to resolve passed %(deadline)s", **values)
    else:
        kind = SOON
        if ticket.what == "acknowledge":
            text = _("#%(id)d %(title)s: to be acknowledged by %(deadline)s", **values)
        else:
            text = _("#%(id)d %(title)s: to be resolved by %(deadline)s", **values)
    endpoint = "support.ticket_detail"
    link = {"ticket_id": ticket.id} if endpoint == "support.ticket_detail" else {"queue": "soon"}
    return Item(kind, text, endpoint, link)


def items_for(person, member_of: set[int], data: SupportData) -> SupportItems:
    """The person's tickets and overdue function tests, as sentences with their links."""
    out = SupportItems()
    breached, soon = [], []
    for ticket in data.tickets_of(person.id):
        if ticket.municipality_id not in member_of:
            continue
        (breached if ticket.breached else soon).append(ticket)
    out.breached = [_ticket_item(t) for t in breached[:MAX_TICKETS]]
    out.more_breached = max(len(breached) - MAX_TICKETS, 0)
    out.soon = [_ticket_item(t) for t in soon[:MAX_TICKETS]]
    out.more_soon = max(len(soon) - MAX_TICKETS, 0)
    if person.can(TESTS_RECORD):
        record = "support.test_record"
        due_list = "support.tests_due"
        for municipality_id in sorted(member_of, key=lambda m: data.names.get(m, "")):
            total = data.overdue_total.get(municipality_id, 0)
            if not total:
                continue
            items = [
                Item(
                    TEST_OVERDUE,
                    _(
                        "%(product)s %(serial)s: function test due %(date)s",
                        product=test.product,
                        serial=test.serial,
                        date=format_d(test.due_on),
                    ),
                    record,
                    {"device_id": test.device_id},
                )
                for test in data.overdue.get(municipality_id, [])
            ]
            rest = total - len(items)
            if rest > 0:
                items.append(
                    Item(
                        TESTS_MORE,
                        ngettext(
                            "… and %(num)d more overdue",
                            "… and %(num)d more overdue",
                            rest,
                        ),
                        due_list,
                        {},
                    )
                )
            out.tests.append(
                TestGroup(label=data.names.get(municipality_id, ""), items=items, total=total)
            )
    return out


def alerts_for_reader(today, user):
    """The in-app alert page (declared in module.py): the reader's own part of the
    digest, for those who read tickets."""
    if not user.can(TICKETS_VIEW):
        return None
    mine = municipality_ids(user)
    data = collect(
        utcnow(),
        today,
        municipality_ids=mine,
        person=user,
        tests=user.can(TESTS_RECORD),
    )
    return items_for(user, set(mine), data)


def sweep_first() -> list[tuple[str, bool]]:
    """Before the digest: record SLA breaches and close tickets resolved long enough ago,
    so the digest tells of today's state."""
    try:
        done = sweep()
        db.session.commit()
    except ConflictError:  # another run sweeps right now: it does the same
        db.session.rollback()
        return [("Support sweep: left to another run sweeping right now", False)]
    return [
        (
            f"Support sweep: {done['acknowledge_breaches']} acknowledge and "
            f"{done['resolve_breaches']} resolve breach(es) recorded; "
            f"{done['closed']} ticket(s) closed.",
            False,
        )
    ]
