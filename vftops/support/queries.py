"""Read side of support: the queues, their counts, a ticket with its log, the contact page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.db import where_equal
from vftops.core.inputs import fits
from vftops.core.models import utcnow
from vftops.core.scope import id_or_404, municipality_ids, scoped
from vftops.core.validation import digits
from vftops.equipment.models import Device, Movement, MovementKind, Placement, ReturnReason
from vftops.extensions import db
from vftops.support import sla
from vftops.support.models import (
    EntryKind,
    RoutingRule,
    SlaTarget,
    SupportSettings,
    Team,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketKind,
    TicketStatus,
    team_members,
    ticket_devices,
)
from vftops.support.permissions import TICKETS_MANAGE
from vftops.support.reports import FAULT_KINDS

# The queues, in the order the menu shows them.
QUEUES = ("mine", "team", "unassigned", "soon", "supplier", "open", "all")
SORTS = {
    "due": (Ticket.resolve_due_at, Ticket.id),
    "priority": (Ticket.priority, Ticket.resolve_due_at, Ticket.id),
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "oldest": (Ticket.created_at, Ticket.id),
}


def is_open_clause():
    """Open tickets, written as the partial indexes' own predicate with the values inline.

    A partial index is used only when the query repeats its WHERE with literals: SQLite
    does not look into bound parameters, and PostgreSQL's generic plans (which a
    prepared statement gets after a few runs) cannot either.
    """
    return Ticket.status.not_in(
        bindparam(
            "done_statuses",
            [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value],
            expanding=True,
            literal_execute=True,
            unique=True,
        )
    )


def team_ids_for(user) -> list[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(select(team_members.c.team_id).where(team_members.c.user_id == user.id))
    )


def _queue_clause(name: str, user, now: datetime, teams: list[int]):
    if name == "mine":
        return and_(is_open_clause(), Ticket.assignee_id == user.id)
    if name == "team":
        return and_(is_open_clause(), Ticket.team_id.in_(teams or [-1]))
    if name == "unassigned":
        return and_(is_open_clause(), Ticket.assignee_id.is_(None))
    if name == "soon":
        # Not waiting (the clock is stopped) and past the warning point, breached or not.
        return and_(
            is_open_clause(),
            Ticket.status.not_in(
                [TicketStatus.WAITING_REPORTER.value, TicketStatus.WAITING_SUPPLIER.value]
            ),
            or_(
                Ticket.resolve_warn_at <= now,
                and_(Ticket.acknowledged_at.is_(None), Ticket.acknowledge_due_at <= now),
            ),
        )
    if name == "supplier":
        return Ticket.status == TicketStatus.WAITING_SUPPLIER.value
    if name == "open":
        return is_open_clause()
    return None  # all


def queue(
    user,
    name: str = "open",
    *,
    now: datetime | None = None,
    sort: str = "due",
    status: str | None = None,
    kind: str | None = None,
    priority: int | None = None,
    team_id: int | None = None,
    municipality_id: int | None = None,
    q: str | None = None,
):
    """A select of the user's tickets in one queue, filtered and sorted (not executed)."""
    now = now or utcnow()
    stmt = scoped(select(Ticket), Ticket, user).options(
        joinedload(Ticket.team),
        joinedload(Ticket.assignee),
        joinedload(Ticket.recipient),
        joinedload(Ticket.municipality),
        joinedload(Ticket.system),
    )
    clause = _queue_clause(name, user, now, team_ids_for(user) if name == "team" else [])
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        stmt = stmt.where(Ticket.status == status)
    if kind:
        stmt = stmt.where(Ticket.kind == kind)
    if priority:
        stmt = stmt.where(Ticket.priority == priority)
    if team_id:
        stmt = stmt.where(Ticket.team_id == team_id)
    if municipality_id:
        stmt = stmt.where(Ticket.municipality_id == municipality_id)
    if q:
        q = q.strip()
        if digits(q.lstrip("#")) and fits(int(q.lstrip("#"))):
            stmt = stmt.where(Ticket.id == int(q.lstrip("#")))
        else:
            pattern = "%" + q.lower().replace("%", r"\%").replace("_", r"\_") + "%"
            stmt = stmt.where(func.lower(Ticket.title).like(pattern, escape="\\"))
    return stmt.order_by(*SORTS.get(sort, SORTS["due"]))


def queue_counts(user, now: datetime | None = None) -> dict[str, int]:
    """How many tickets each queue holds: one aggregate over the user's open tickets."""
    now = now or utcnow()
    ids = sorted(municipality_ids(user))
    if not ids:
        return dict.fromkeys(QUEUES[:-1], 0)
    teams = team_ids_for(user)

    def counted(name):
        return func.coalesce(func.sum(case((_queue_clause(name, user, now, teams), 1), else_=0)), 0)

    row = db.session.execute(
        select(*(counted(name) for name in QUEUES[:-2]), func.count()).where(
            Ticket.municipality_id.in_(ids), is_open_clause()
        )
    ).one()
    return {**dict(zip(QUEUES[:-2], (int(v) for v in row[:-1]), strict=True)), "open": row[-1]}


def ticket_detail(ticket_id: int, user) -> Ticket | None:
    """One ticket with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        scoped(select(Ticket), Ticket, user)
        .where(Ticket.id == ticket_id)
        .options(
            joinedload(Ticket.team),
            joinedload(Ticket.assignee),
            joinedload(Ticket.acknowledged_by),
            joinedload(Ticket.recipient),
            joinedload(Ticket.supplier),
            joinedload(Ticket.system),
            joinedload(Ticket.parent),
            selectinload(Ticket.devices).joinedload(Device.product),
            selectinload(Ticket.children).joinedload(Ticket.assignee),
        )
    )


def entries_for(ticket: Ticket, user) -> list[TicketEntry]:
    """The work log as `user` may read it: internal notes only for those who handle
    tickets (a reporter or a reader sees the replies and the events)."""
    stmt = (
        select(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id)
        .options(joinedload(TicketEntry.author))
        .order_by(TicketEntry.id)
    )
    if not user.can(TICKETS_MANAGE):
        stmt = stmt.where(TicketEntry.kind != EntryKind.NOTE.value)
    return list(db.session.scalars(stmt))


def attachments_for(ticket: Ticket) -> list[TicketAttachment]:
    return list(
        db.session.scalars(
            select(TicketAttachment)
            .where(TicketAttachment.ticket_id == ticket.id)
            .order_by(TicketAttachment.id)
        )
    )


@dataclass
class Clock:
    """What the queue shows about a ticket's SLA right now."""

    state: str  # "breached", "soon", "ok", "paused", "done"
    minutes_left: int | None  # calendar minutes to the next deadline (negative: overdue)
    deadline: datetime | None
    what: str  # "acknowledge" or "resolve"


def clock(ticket: Ticket, now: datetime, hours) -> Clock:
    if not ticket.is_open:
        breached = ticket.resolve_breached_at is not None
        return Clock("breached" if breached else "done", None, None, "resolve")
    if ticket.acknowledged_at is None:
        deadline, what = ticket.acknowledge_due_at, "acknowledge"
    else:
        deadline, what = ticket.resolve_due_at, "resolve"
    if ticket.is_waiting:
        return Clock("paused", None, deadline, what)
    if deadline <= now:
        left = -sla.minutes_between(deadline, now, ticket.sla_calendar, hours)
        return Clock("breached", left, deadline, what)
    left = sla.minutes_between(now, deadline, ticket.sla_calendar, hours)
    if what == "acknowledge":
        # The same share of the time to acknowledge as of the time to resolve.
        share = current_app.config["SUPPORT_WARN_PERCENT"] / 100
        soon = now >= deadline - (deadline - ticket.created_at) * share
    else:
        soon = ticket.resolve_warn_at <= now
    return Clock("soon" if soon else "ok", left, deadline, what)


def incident_suggestions(user, now: datetime | None = None) -> list[dict]:
    """Municipalities where more technical alarms than their rule allows came in at once.

    The alarms counted are open, not yet linked to an incident, and created within
    the rule's window before now. Two queries, however many municipalities.
    """
    from vftops.support.operations import settings_for_many

    now = now or utcnow()
    ids = sorted(municipality_ids(user))
    if not ids:
        return []
    rules = settings_for_many(ids)
    widest = max(r["incident_window_minutes"] for r in rules.values())
    rows = db.session.execute(
        select(Ticket.municipality_id, Ticket.id, Ticket.created_at)
        .where(
            Ticket.municipality_id.in_(ids),
            Ticket.kind == TicketKind.TECHNICAL_ALARM.value,
            Ticket.parent_id.is_(None),
            Ticket.is_incident.is_(False),
            Ticket.created_at >= now - timedelta(minutes=widest),
            is_open_clause(),
        )
        # In time order: the recent window is a short range of the created index.
        .order_by(Ticket.created_at, Ticket.id)
        .limit(1000 * len(ids))
    ).all()
    recent: dict[int, list[int]] = {mid: [] for mid in ids}
    for municipality_id, ticket_id, created_at in rows:
        rule = rules[municipality_id]
        since = now - timedelta(minutes=rule["incident_window_minutes"])
        if created_at >= since and len(recent[municipality_id]) < 1000:
            recent[municipality_id].append(ticket_id)
    suggestions = []
    for municipality_id in ids:
        rule, found = rules[municipality_id], recent[municipality_id]
        if len(found) > rule["incident_threshold"]:
            suggestions.append(
                {
                    "municipality_id": municipality_id,
                    "ticket_ids": found,
                    "count": len(found),
                    "window_minutes": rule["incident_window_minutes"],
                    "threshold": rule["incident_threshold"],
                }
            )
    return suggestions


def teams_for(user, *, active_only: bool = False, municipality_id: int | None = None):
    """The teams of the user's municipalities (or of one of them) with members, supplier and
    municipality, by municipality and name."""
    stmt = (
        scoped(select(Team), Team, user)
        .options(
            selectinload(Team.members), joinedload(Team.supplier), joinedload(Team.municipality)
        )
        .order_by(Team.municipality_id, Team.name)
    )
    if active_only:
        stmt = stmt.where(Team.is_active.is_(True))
    if municipality_id is not None:
        stmt = stmt.where(Team.municipality_id == municipality_id)
    return list(db.session.scalars(stmt).unique())


def team_list(user, *, municipality_id=None, is_active=None):
    """The API's teams of the user's municipalities with their members: a SELECT to page."""
    stmt = scoped(select(Team), Team, user).options(selectinload(Team.members))
    stmt = where_equal(stmt, Team, municipality_id=municipality_id)
    if is_active is not None:
        stmt = stmt.where(Team.is_active.is_(is_active))
    return stmt


def default_team(municipality_id: int) -> Team | None:
    """The team a municipality's tickets go to when no rule matches."""
    return db.session.scalar(
        select(Team).where(Team.municipality_id == municipality_id, Team.is_default.is_(True))
    )


def teams_in(municipality_id: int, *, active_only: bool = False, with_contacts: bool = False):
    """A municipality's teams by name; `with_contacts`: with members and supplier."""
    stmt = select(Team).where(Team.municipality_id == municipality_id).order_by(Team.name)
    if active_only:
        stmt = stmt.where(Team.is_active.is_(True))
    if with_contacts:
        stmt = stmt.options(selectinload(Team.members), joinedload(Team.supplier))
    return list(db.session.scalars(stmt).unique())


def next_rule_position(municipality_id: int) -> int:
    """Where a new routing rule goes: ten after the municipality's last one."""
    highest = db.session.scalar(
        select(func.max(RoutingRule.position)).where(RoutingRule.municipality_id == municipality_id)
    )
    return (highest or 0) + 10


def sla_targets(municipality_id: int) -> dict[int, SlaTarget]:
    """The response and resolution targets a municipality has set itself, by priority."""
    return {
        row.priority: row
        for row in db.session.scalars(
            select(SlaTarget).where(SlaTarget.municipality_id == municipality_id)
        )
    }


def own_settings(municipality_id: int) -> SupportSettings | None:
    """The support settings a municipality has set itself (None: the defaults hold)."""
    return db.session.get(SupportSettings, municipality_id)


def known_values(user, column, rule_column, limit: int = 100) -> list[str]:
    """Values of a ticket column used lately in the user's municipalities and by the
    routing rules (for a datalist). Read from the newest tickets only, so the form
    stays quick however many tickets there are."""
    recent = (
        scoped(select(column.label("value")), Ticket, user)
        .where(column.is_not(None))
        .order_by(Ticket.id.desc())
        .limit(2000)
        .subquery()
    )
    values = set(db.session.scalars(select(recent.c.value).distinct().limit(limit)))
    values |= set(
        db.session.scalars(
            scoped(select(rule_column), RoutingRule, user)
            .where(rule_column.is_not(None))
            .distinct()
        )
    )
    return sorted(values, key=str.casefold)


def attachment_or_404(ticket: Ticket, attachment_id) -> TicketAttachment:
    """A file attached to this ticket (the ticket already found in the reader's scope)."""
    from flask import abort

    row = db.session.scalar(
        select(TicketAttachment).where(
            TicketAttachment.id == id_or_404(attachment_id),
            TicketAttachment.ticket_id == ticket.id,
        )
    )
    if row is None:
        abort(404)
    return row


def open_incidents(user, ticket: Ticket, limit: int) -> list[tuple[int, str]]:
    """(id, title) of the open incidents of the ticket's municipality it could join,
    newest first."""
    return db.session.execute(
        scoped(select(Ticket.id, Ticket.title), Ticket, user)
        .where(
            Ticket.municipality_id == ticket.municipality_id,
            Ticket.is_incident.is_(True),
            Ticket.id != ticket.id,
            is_open_clause(),
        )
        .order_by(Ticket.id.desc())
        .limit(limit)
    ).all()


def tickets_by_id(user, ids, *, options=()) -> dict[int, Ticket]:
    """The tickets among `ids` the user may see, by id."""
    if not ids:
        return {}
    return {
        t.id: t
        for t in db.session.scalars(
            scoped(select(Ticket), Ticket, user).where(Ticket.id.in_(list(ids))).options(*options)
        )
    }


def device_ids_by_ticket(ticket_ids) -> dict[int, list[int]]:
    """The ids of each ticket's devices, in one query for a whole page."""
    found: dict[int, list[int]] = {tid: [] for tid in ticket_ids}
    if found:
        rows = db.session.execute(
            select(ticket_devices.c.ticket_id, ticket_devices.c.device_id)
            .where(ticket_devices.c.ticket_id.in_(list(found)))
            .order_by(ticket_devices.c.ticket_id, ticket_devices.c.device_id)
        )
        for ticket_id, device_id in rows:
            found[ticket_id].append(device_id)
    return found


def rules_for(user, municipality_id: int | None = None):
    stmt = (
        scoped(select(RoutingRule), RoutingRule, user)
        .options(
            joinedload(RoutingRule.team),
            joinedload(RoutingRule.product),
            joinedload(RoutingRule.system),
        )
        .order_by(RoutingRule.municipality_id, RoutingRule.position, RoutingRule.id)
    )
    if municipality_id:
        stmt = stmt.where(RoutingRule.municipality_id == municipality_id)
    return list(db.session.scalars(stmt))


# --- for the stock module ---------------------------------------------------------------


def fault_tickets_by_store(store_ids, since: datetime, *, product_id=None) -> dict:
    """For the stock minimum suggestion (declared in module.py): fault tickets since
    `since` per store × product, the store being where the device
    was installed from, leaving out devices returned faulty or replaced in the period:
    a technical alarm that ended in a replacement is one failure, not two."""
    returned = exists(
        select(Placement.id).where(
            Placement.device_id == ticket_devices.c.device_id,
            Placement.returned_at >= since,
            Placement.return_reason.in_([ReturnReason.FAULTY, ReturnReason.REPLACED]),
        )
    )
    stmt = (
        select(Movement.from_store_id, Device.product_id, func.count(func.distinct(Ticket.id)))
        .select_from(Ticket)
        .join(ticket_devices, ticket_devices.c.ticket_id == Ticket.id)
        .join(Device, Device.id == ticket_devices.c.device_id)
        .join(
            Movement,
            and_(
                Movement.device_id == Device.id,
                Movement.kind == MovementKind.INSTALL,
                Movement.from_store_id.in_(store_ids),
            ),
        )
        .where(Ticket.kind.in_(FAULT_KINDS), Ticket.created_at >= since, ~returned)
        .group_by(Movement.from_store_id, Device.product_id)
    )
    if product_id is not None:
        stmt = stmt.where(Device.product_id == product_id)
    return {(s, p): n for s, p, n in db.session.execute(stmt)}


def ticket_by_external_id(municipality_id: int, external_id: str) -> Ticket | None:
    """The ticket another system reported with this id, in this municipality."""
    return db.session.scalar(
        select(Ticket).where(
            Ticket.municipality_id == municipality_id, Ticket.external_id == external_id
        )
    )
