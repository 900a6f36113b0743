"""Support tickets and technical alarms, teams and routing, SLA targets, function tests.

A ticket belongs to one municipality. Its SLA deadlines are stored as UTC moments,
worked out on the ticket's calendar when it is created and moved on when it leaves
a waiting state, so a queue can sort and filter on them with an index.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.systems.models import ItSystem

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.equipment.models import Device, Placement, Product, Recipient
    from vftops.suppliers.models import Supplier


def _values(enum_class) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_class)


class TicketKind(enum.StrEnum):
    TECHNICAL_ALARM = "technical_alarm"
    EQUIPMENT_FAULT = "equipment_fault"
    SYSTEM_FAULT = "system_fault"
    ACCESS = "access"
    QUESTION = "question"
    OTHER = "other"


KIND_LABELS = {
    TicketKind.TECHNICAL_ALARM: _l("Technical alarm"),
    TicketKind.EQUIPMENT_FAULT: _l("Equipment fault"),
    TicketKind.SYSTEM_FAULT: _l("System fault"),
    TicketKind.ACCESS: _l("Access"),
    TicketKind.QUESTION: _l("Question"),
    TicketKind.OTHER: _l("Other"),
}


class Channel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    ALARM = "alarm"  # sent by a monitoring system or response centre
    API = "api"


CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone"),
    Channel.EMAIL: _l("E-mail"),
    Channel.WEB: _l("Web form"),
    Channel.ALARM: _l("Technical alarm"),
    Channel.API: _l("Integration (API)"),
}


class ReporterKind(enum.StrEnum):
    EMPLOYEE = "employee"
    RECIPIENT = "recipient"
    RELATIVE = "relative"
    RESPONSE_CENTRE = "response_centre"
    SUPPLIER = "supplier"
    MONITORING = "monitoring"


REPORTER_LABELS = {
    ReporterKind.EMPLOYEE: _l("Employee"),
    ReporterKind.RECIPIENT: _l("Recipient"),
    ReporterKind.RELATIVE: _l("Relative"),
    ReporterKind.RESPONSE_CENTRE: _l("Response centre"),
    ReporterKind.SUPPLIER: _l("Supplier"),
    ReporterKind.MONITORING: _l("Monitoring system"),
}


class Level(enum.StrEnum):
    """Urgency and impact are each high, medium or low."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


URGENCY_LABELS = {
    Level.HIGH: _l("High: someone may be without a working alarm"),
    Level.MEDIUM: _l("Medium: works, but not as it should"),
    Level.LOW: _l("Low: can wait"),
}
IMPACT_LABELS = {
    Level.HIGH: _l("High: many recipients or a critical function"),
    Level.MEDIUM: _l("Medium: one recipient or one unit"),
    Level.LOW: _l("Low: no recipient directly affected"),
}


class Priority(enum.IntEnum):
    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


PRIORITY_LABELS = {
    Priority.CRITICAL: _l("Critical"),
    Priority.HIGH: _l("High"),
    Priority.MEDIUM: _l("Medium"),
    Priority.LOW: _l("Low"),
}


class TicketStatus(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_REPORTER = "waiting_reporter"
    WAITING_SUPPLIER = "waiting_supplier"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = {
    TicketStatus.NEW: _l("New"),
    TicketStatus.ACKNOWLEDGED: _l("Acknowledged"),
    TicketStatus.IN_PROGRESS: _l("In progress"),
    TicketStatus.WAITING_REPORTER: _l("Waiting for the reporter"),
    TicketStatus.WAITING_SUPPLIER: _l("Waiting for the supplier"),
    TicketStatus.RESOLVED: _l("Resolved"),
    TicketStatus.CLOSED: _l("Closed"),
}

S = TicketStatus
# The lifecycle: which status may follow which. Reopening goes back to in progress.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_REPORTER, S.WAITING_SUPPLIER, S.RESOLVED),
    S.ACKNOWLEDGED: (S.IN_PROGRESS, S.WAITING_REPORTER, S.WAITING_SUPPLIER, S.RESOLVED),
    S.IN_PROGRESS: (S.WAITING_REPORTER, S.WAITING_SUPPLIER, S.RESOLVED),
    S.WAITING_REPORTER: (S.IN_PROGRESS, S.WAITING_SUPPLIER, S.RESOLVED),
    S.WAITING_SUPPLIER: (S.IN_PROGRESS, S.WAITING_REPORTER, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, S.IN_PROGRESS),
    S.CLOSED: (S.IN_PROGRESS,),
}
OPEN_STATUSES = (S.NEW, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_REPORTER, S.WAITING_SUPPLIER)
WAITING_STATUSES = (S.WAITING_REPORTER, S.WAITING_SUPPLIER)
DONE_STATUSES = (S.RESOLVED, S.CLOSED)
# SQL for the partial indexes over open tickets (the queues read only those).
OPEN_SQL = "status NOT IN ('resolved', 'closed')"


class TeamKind(enum.StrEnum):
    SERVICEDESK = "servicedesk"
    TECHNICIANS = "technicians"
    IT = "it"
    HOME_CARE = "home_care"
    SUPPLIER = "supplier"
    OTHER = "other"


TEAM_KIND_LABELS = {
    TeamKind.SERVICEDESK: _l("Service desk"),
    TeamKind.TECHNICIANS: _l("Technicians"),
    TeamKind.IT: _l("IT operations"),
    TeamKind.HOME_CARE: _l("Home care"),
    TeamKind.SUPPLIER: _l("Supplier"),
    TeamKind.OTHER: _l("Other"),
}


team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Team(TimestampMixin, VersionedMixin, db.Model):
    """Who handles a kind of ticket in a municipality: servicedesk, technicians, IT, a supplier."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("municipality_id", "name"),
        CheckConstraint(f"kind IN ({_values(TeamKind)})", name="known_kind"),
        # One default team per municipality: where a ticket goes that no rule matches.
        Index(
            "uq_teams_default",
            "municipality_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    hours: Mapped[str | None] = mapped_column(String(120), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_default: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    municipality: Mapped[Municipality] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    members: Mapped[list[User]] = relationship(secondary=team_members, order_by="User.full_name")

    def __str__(self) -> str:
        return self.name


class RoutingRule(TimestampMixin, VersionedMixin, db.Model):
    """«Tickets of this kind / category / product / system go to that team», tried in order.

    An empty criterion matches anything; the first active rule that matches wins,
    and a ticket no rule matches goes to the municipality's default team.
    """

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        Index("ix_routing_rules_municipality_position", "municipality_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str | None] = mapped_column(String(30), nullable=True)
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), nullable=True)
    system_id: Mapped[int | None] = mapped_column(ForeignKey("it_systems.id"), nullable=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    team: Mapped[Team] = relationship()
    product: Mapped[Product | None] = relationship()
    system: Mapped[ItSystem | None] = relationship()

    def matches(self, *, kind, category, product_ids, system_id) -> bool:
        if self.kind and self.kind != kind:
            return False
        if self.category and (category or "").casefold() != self.category.casefold():
            return False
        if self.product_id and self.product_id not in product_ids:
            return False
        return not (self.system_id and self.system_id != system_id)


class SlaTarget(TimestampMixin, VersionedMixin, db.Model):
    """A municipality's own SLA for one priority; without a row the configured default holds."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        UniqueConstraint("municipality_id", "priority"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="known_priority"),
        CheckConstraint("acknowledge_minutes > 0", name="acknowledge_positive"),
        CheckConstraint("resolve_minutes >= acknowledge_minutes", name="resolve_after_acknowledge"),
        CheckConstraint("calendar IN ('24x7', 'business')", name="known_calendar"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    acknowledge_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    resolve_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    calendar: Mapped[str] = mapped_column(String(10), nullable=False)


class SupportSettings(TimestampMixin, VersionedMixin, db.Model):
    """Per municipality: auto-close, the mass-incident rule. Missing row: configured defaults."""

    __tablename__ = "support_settings"
    __table_args__ = (
        CheckConstraint("auto_close_days > 0", name="auto_close_positive"),
        CheckConstraint("incident_threshold > 1", name="threshold_above_one"),
        CheckConstraint("incident_window_minutes > 0", name="window_positive"),
    )

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), primary_key=True)
    auto_close_days: Mapped[int] = mapped_column(Integer, nullable=False)
    incident_threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    incident_window_minutes: Mapped[int] = mapped_column(Integer, nullable=False)


ticket_devices = Table(
    "ticket_devices",
    db.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("device_id", ForeignKey("devices.id"), primary_key=True, index=True),
)


class Ticket(TimestampMixin, VersionedMixin, db.Model):
    """A support case or technical alarm, from report to closed."""

    __tablename__ = "tickets"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # The minutes to acknowledge and resolve are set by a trigger, on SQLite after
        # the row is written: an INSERT's RETURNING would hand back the value from
        # before. They are read from the row when asked for instead.
        return {"version_id_col": cls.version, "eager_defaults": False}

    __table_args__ = (
        # A monitoring system's retried call carries the same id: one ticket.
        UniqueConstraint("municipality_id", "external_id"),
        CheckConstraint(f"status IN ({_values(TicketStatus)})", name="known_status"),
        CheckConstraint(f"kind IN ({_values(TicketKind)})", name="known_kind"),
        CheckConstraint(f"channel IN ({_values(Channel)})", name="known_channel"),
        CheckConstraint(f"reporter_kind IN ({_values(ReporterKind)})", name="known_reporter"),
        CheckConstraint(f"urgency IN ({_values(Level)})", name="known_urgency"),
        CheckConstraint(f"impact IN ({_values(Level)})", name="known_impact"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="known_priority"),
        CheckConstraint("sla_calendar IN ('24x7', 'business')", name="known_calendar"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # The queues: open tickets by deadline, per municipality, team and assignee.
        Index(
            "ix_tickets_open_due",
            "municipality_id",
            "resolve_due_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_warn",
            "municipality_id",
            "resolve_warn_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_team",
            "team_id",
            "resolve_due_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index(
            "ix_tickets_open_assignee",
            "assignee_id",
            "resolve_due_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        # Every column the queue counts look at, so they read the index alone.
        Index(
            "ix_tickets_open_counts",
            "municipality_id",
            "assignee_id",
            "team_id",
            "status",
            "resolve_warn_at",
            "acknowledged_at",
            "acknowledge_due_at",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        # Open tickets newest first (the API's list and sync).
        Index(
            "ix_tickets_open_id",
            "municipality_id",
            "id",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        # The open incidents a ticket can be linked to, newest first.
        Index(
            "ix_tickets_open_incidents",
            "municipality_id",
            "is_incident",
            "id",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        Index("ix_tickets_municipality_created", "municipality_id", "created_at"),
        # The reports read a period of registrations, acknowledgements, resolutions and
        # escalations: each index carries the columns its report counts, so a period of
        # a national servicedesk's tickets is read from the index alone. (New tickets
        # per week has an index of its own: with the created index widened, SQLite
        # stopped reading the recent alarms for incident suggestions by time.)
        Index(
            "ix_tickets_reports_created",
            "municipality_id",
            "is_incident",
            "kind",
            "created_at",
        ),
        # A status's tickets in deadline order (waiting on a supplier, resolved).
        Index("ix_tickets_municipality_status", "municipality_id", "status", "resolve_due_at"),
        Index(
            "ix_tickets_municipality_acknowledged",
            "municipality_id",
            "acknowledged_at",
            "priority",
            "minutes_to_acknowledge",
        ),
        Index(
            "ix_tickets_municipality_resolved",
            "municipality_id",
            "resolved_at",
            "priority",
            "minutes_to_resolve",
            "team_id",
            "resolve_breached_at",
            "acknowledge_breached_at",
        ),
        Index(
            "ix_tickets_municipality_escalated",
            "municipality_id",
            "escalated_at",
            sqlite_where=text("escalated_at IS NOT NULL"),
            postgresql_where=text("escalated_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    reporter_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    reporter_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    reporter_contact: Mapped[str | None] = mapped_column(String(254), nullable=True)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id"), nullable=True, index=True
    )
    # The system of the register it is about (an access order's system, a system fault's).
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("it_systems.id"), nullable=True, index=True
    )
    urgency: Mapped[str] = mapped_column(String(10), nullable=False)
    impact: Mapped[str] = mapped_column(String(10), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=TicketStatus.NEW, server_default="new"
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Whole minutes (half up) from registration to acknowledged and to resolved, for the
    # reports' medians. Kept by a trigger in the database from the three times, so
    # they cannot disagree with them; the application never writes them.
    minutes_to_acknowledge: Mapped[int | None] = mapped_column(
        Integer, nullable=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    minutes_to_resolve: Mapped[int | None] = mapped_column(
        Integer, nullable=True, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    # SLA: deadlines on the calendar, moved on by the time spent waiting.
    sla_calendar: Mapped[str] = mapped_column(String(10), nullable=False)
    acknowledge_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # «Breaching soon» from here: SUPPORT_WARN_PERCENT of the time to resolve is left.
    resolve_warn_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Calendar minutes spent waiting so far; the resolve deadline moved on by as much.
    paused_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    acknowledge_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Mass incidents: children point at their parent incident.
    is_incident: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True, index=True
    )
    # Escalation to the supplier; the times feed supplier SLA follow-up.
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), nullable=True)
    supplier_ref: Mapped[str | None] = mapped_column(String(60), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    supplier_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    supplier_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    municipality: Mapped[Municipality] = relationship()
    recipient: Mapped[Recipient | None] = relationship()
    system: Mapped[ItSystem | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    supplier: Mapped[Supplier | None] = relationship()
    parent: Mapped[Ticket | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Ticket]] = relationship(back_populates="parent", order_by="Ticket.id")
    devices: Mapped[list[Device]] = relationship(secondary=ticket_devices, order_by="Device.id")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING_STATUSES

    @property
    def allowed_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]

    def __str__(self) -> str:
        return f"#{self.id} {self.title}"


class EntryKind(enum.StrEnum):
    NOTE = "note"  # internal: only staff see it
    REPLY = "reply"  # what was told the reporter
    EVENT = "event"  # written by vftops: status, assignment, escalation


class TicketEntry(db.Model):
    """One line of a ticket's work log. Append-only, like the audit log."""

    __tablename__ = "ticket_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(EntryKind)})", name="known_kind"),
        Index("ix_ticket_entries_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # The line as written (Bokmål), kept for the record; for a line vftops wrote itself,
    # also what happened as a code and values, which the page shows in the reader's
    # language (vftops.support.worklog). People's own notes have neither.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    event: Mapped[str | None] = mapped_column(String(32), nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    author: Mapped[User | None] = relationship()


class TicketAttachment(db.Model):
    """A photo or PDF on a ticket, stored under the instance folder by a random name."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class TestResult(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"


class FunctionTest(db.Model):
    """A periodic function test of an installed device («periodisk alarmkontroll»)."""

    __tablename__ = "function_tests"
    __table_args__ = (
        CheckConstraint(f"result IN ({_values(TestResult)})", name="known_result"),
        Index("ix_function_tests_device", "device_id", "tested_at"),
    )
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), nullable=True)
    tested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    tested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    result: Mapped[str] = mapped_column(String(10), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)

    device: Mapped[Device] = relationship()
    placement: Mapped[Placement | None] = relationship()
    tested_by: Mapped[User | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
