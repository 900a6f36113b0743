"""The authorisation register: an `AccessGrant` is one person's role in one system (of the
systems register, `vftops.systems`) over a period.

A grant is never overwritten or deleted: a change ends one grant and starts another
(`replaces_id`), so «who had access to system X on 3 March» is one query. The database
keeps this: a grant cannot be deleted, and what it is (who, which system and role, where,
from when, why, who gave it) cannot change once written. Its end is written once (a
planned last day may be brought earlier by that end); a grant ended before it started is
withdrawn, and never gave access. The names in a grant can only be erased (when the
recipient they belong to is anonymised), never rewritten.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.systems.models import ItSystem, SystemRole

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.equipment.models import Recipient
    from vftops.org.models import Unit
    from vftops.support.models import Ticket


class HolderKind(enum.StrEnum):
    """Who holds a grant."""

    USER = "user"  # an employee with a vftops login
    PERSON = "person"  # an employee (or a supplier's) without one: by name and employer
    RELATIVE = "relative"  # a recipient's next of kin, by name, with the recipient
    RECIPIENT = "recipient"  # the citizen, for a citizen's app


class AccessGrant(db.Model):
    """One person's role in one system, from a day to a day (open while it lasts).

    `ends_on` is the last day of access. The holder is a vftops user, a named person
    (employee without a login, or a supplier's), a relative (by name, with the recipient
    whose relative they are) or a recipient. `holder_key` says who in one string, so the
    database refuses a second open grant of the same role to the same holder for the same
    municipality (someone working for two municipalities of a shared service has a grant
    for each, and each municipality reviews its own)."""

    __tablename__ = "access_grants"
    __table_args__ = (
        ForeignKeyConstraint(
            ["role_id", "system_id"], ["system_roles.id", "system_roles.system_id"]
        ),
        # A withdrawn grant's period is empty: it ends the day before it starts.
        CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on OR withdrawn_at IS NOT NULL",
            name="ends_after_start",
        ),
        CheckConstraint(
            "(holder_kind = 'user' AND user_id IS NOT NULL)"
            " OR (holder_kind = 'person' AND person_name IS NOT NULL)"
            " OR holder_kind IN ('relative', 'recipient')",
            name="holder_named",
        ),
        Index(
            "uq_access_grants_open",
            "system_id",
            "role_id",
            "holder_key",
            "municipality_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
        # «Who had access to system X on day D», and counts per system: read from the
        # index alone.
        Index(
            "ix_access_grants_system_dates",
            "system_id",
            "starts_on",
            "ends_on",
            "municipality_id",
            "unit_id",
        ),
        Index("ix_access_grants_holder", "holder_key", "ends_on"),
        Index("ix_access_grants_unit", "unit_id", "ends_on"),
        # The register, newest first, of the reader's municipalities.
        Index("ix_access_grants_municipality", "municipality_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), nullable=False)
    role_id: Mapped[int] = mapped_column(Integer, nullable=False)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    holder_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # «person:» + name (120) + «|» + employer (120): room for the longest of them.
    holder_key: Mapped[str] = mapped_column(String(260), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipients.id"), nullable=True, index=True
    )
    person_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The employer of a named person, or a relative's relation to the recipient.
    person_detail: Mapped[str | None] = mapped_column(String(120), nullable=True)
    account_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    ordered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    # Written when the grant is ended (never again: ending twice is refused).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Ended before it started: it never gave access.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The grant this one continues (a change of role ends one and starts this).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("access_grants.id"), nullable=True)
    # What the last account list of the system said of it: the last login it gave, and
    # when an applied list last had the account.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    account_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    system: Mapped[ItSystem] = relationship()
    role: Mapped[SystemRole] = relationship(
        primaryjoin="and_(AccessGrant.role_id == SystemRole.id, "
        "AccessGrant.system_id == SystemRole.system_id)",
        foreign_keys=[role_id, system_id],
        viewonly=True,
    )
    municipality: Mapped[Municipality] = relationship()
    unit: Mapped[Unit | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    recipient: Mapped[Recipient | None] = relationship()
    ordered_by: Mapped[User | None] = relationship(foreign_keys=[ordered_by_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    def is_active_on(self, day: date) -> bool:
        return (
            self.withdrawn_at is None
            and self.starts_on <= day
            and (self.ends_on is None or self.ends_on >= day)
        )

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def holder_name(self) -> str:
        if self.holder_kind == HolderKind.USER and self.user is not None:
            return self.user.full_name
        if self.holder_kind == HolderKind.RECIPIENT and self.recipient is not None:
            return self.recipient.name
        return self.person_name or "–"


# --- orders and the administrator's tasks ----------------------------------------------


class OrderKind(enum.StrEnum):
    ACCESS = "access"  # a role in a system for someone in the unit, from a day
    LEAVER = "leaver"  # the end of all of a person's access, on their last day


class TaskAction(enum.StrEnum):
    GRANT = "grant"  # give the role
    END = "end"  # end the grant
    CHANGE = "change"  # end the grant and give the role instead
    REMOVE = "remove"  # remove an account the register does not know (reconciliation)


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"  # the administrator would not (with why): the orderer is told


def _values(enum_class) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_class)


class AccessOrder(TimestampMixin, VersionedMixin, db.Model):
    """A unit manager's order: access for someone in their unit (one task), or the end of
    all of a leaver's access (a task per grant). Each task is an access ticket for the
    administrator of its system; the order is closed when the last task is."""

    __tablename__ = "access_orders"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(OrderKind)})", name="known_kind"),
        CheckConstraint(
            "(holder_kind = 'user' AND user_id IS NOT NULL)"
            " OR (holder_kind = 'person' AND person_name IS NOT NULL)",
            name="holder_named",
        ),
        Index("ix_access_orders_unit", "unit_id", "created_at"),
        Index("ix_access_orders_municipality", "municipality_id", "closed_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    holder_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    holder_key: Mapped[str] = mapped_column(String(260), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    person_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    person_detail: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # From this day (an order for access), or the last day (a leaver).
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    ordered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    municipality: Mapped[Municipality] = relationship()
    unit: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    ordered_by: Mapped[User] = relationship(foreign_keys=[ordered_by_id])
    tasks: Mapped[list[AccessTask]] = relationship(back_populates="order", order_by="AccessTask.id")

    @property
    def holder_name(self) -> str:
        if self.holder_kind == HolderKind.USER and self.user is not None:
            return self.user.full_name
        return self.person_name or "–"


class AccessTask(TimestampMixin, VersionedMixin, db.Model):
    """One thing for a system's access administrator to do: give a role, end a grant or
    change its role. It is an access ticket in support (routed to the administrator, with
    the SLA), and open until the administrator marks it done — which writes the grant
    or its end — or refuses it with why."""

    __tablename__ = "access_tasks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["role_id", "system_id"], ["system_roles.id", "system_roles.system_id"]
        ),
        CheckConstraint(f"action IN ({_values(TaskAction)})", name="known_action"),
        CheckConstraint(f"status IN ({_values(TaskStatus)})", name="known_status"),
        CheckConstraint(
            "(action = 'grant' AND role_id IS NOT NULL AND grant_id IS NULL)"
            " OR (action = 'end' AND grant_id IS NOT NULL)"
            " OR (action = 'change' AND grant_id IS NOT NULL AND role_id IS NOT NULL)"
            " OR (action = 'remove' AND grant_id IS NULL AND account_name IS NOT NULL)",
            name="action_complete",
        ),
        CheckConstraint("(status = 'open') = (done_at IS NULL)", name="done_when_closed"),
        # One open task per grant: ending the same access twice is one task.
        Index(
            "uq_access_tasks_open_grant",
            "grant_id",
            unique=True,
            sqlite_where=text("status = 'open' AND grant_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND grant_id IS NOT NULL"),
        ),
        Index("ix_access_tasks_open", "municipality_id", "status", "system_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_orders.id"), nullable=True, index=True
    )
    # A removal the access review decided (the review item points at it).
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_reviews.id"), nullable=True, index=True
    )
    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), nullable=False)
    # The role to give (grant, change).
    role_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    # The grant to end or change.
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("access_grants.id"), nullable=True)
    # The grant the task made (grant, change).
    made_grant_id: Mapped[int | None] = mapped_column(ForeignKey("access_grants.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=TaskStatus.OPEN, server_default="open"
    )
    account_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # What the administrator wrote when marking it done, or why it was refused.
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A removal checked against the system's next account list: the account was gone
    # (verified), or still there (the task was reopened, flagged «not removed»).
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    not_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    order: Mapped[AccessOrder | None] = relationship(back_populates="tasks")
    system: Mapped[ItSystem] = relationship()
    role: Mapped[SystemRole | None] = relationship(
        primaryjoin="and_(AccessTask.role_id == SystemRole.id, "
        "AccessTask.system_id == SystemRole.system_id)",
        foreign_keys=[role_id, system_id],
        viewonly=True,
    )
    grant: Mapped[AccessGrant | None] = relationship(foreign_keys=[grant_id])
    made_grant: Mapped[AccessGrant | None] = relationship(foreign_keys=[made_grant_id])
    ticket: Mapped[Ticket | None] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


# --- access reviews -------------------------------------------------------------------------


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"  # being set up
    RUNNING = "running"  # started: its items are the grants of the day it started
    CLOSED = "closed"  # read-only: the evidence


class Unanswered(enum.StrEnum):
    """What closing does to an item nobody answered."""

    KEEP = "keep"  # kept, and reported as unanswered
    END = "end"  # ended, on the named approver's authority


class Decision(enum.StrEnum):
    KEEP = "keep"
    END = "end"
    CHANGE = "change"


class ReviewWarning(enum.StrEnum):
    """What a reviewer is told to look at twice."""

    DEACTIVATED = "deactivated"  # the person's vftops login is closed
    NOT_IN_LIST = "not_in_list"  # not in the system's last account list
    UNUSUAL_ROLE = "unusual_role"  # the role is not normal for their job
    PRIVILEGED = "privileged"


review_systems = Table(
    "access_review_systems",
    db.metadata,
    Column("review_id", ForeignKey("access_reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("system_id", ForeignKey("it_systems.id"), primary_key=True),
)
review_municipalities = Table(
    "access_review_municipalities",
    db.metadata,
    Column("review_id", ForeignKey("access_reviews.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True),
)


class AccessReview(TimestampMixin, VersionedMixin, db.Model):
    """A review campaign («Tilgangskontroll høst 2026»): the systems and municipalities in
    scope, the dates, and what happens to what nobody answers. Starting it takes a
    snapshot of every active grant in scope as its items."""

    __tablename__ = "access_reviews"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(ReviewStatus)})", name="known_status"),
        CheckConstraint(f"unanswered IN ({_values(Unanswered)})", name="known_unanswered"),
        CheckConstraint("due_on >= starts_on", name="due_after_start"),
        CheckConstraint("escalate_on >= due_on", name="escalate_after_due"),
        CheckConstraint("reminder_days BETWEEN 1 AND 60", name="reminder_range"),
        # Ending what nobody answered needs someone who answers for it.
        CheckConstraint("unanswered = 'keep' OR approver_id IS NOT NULL", name="end_has_approver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=ReviewStatus.DRAFT, server_default="draft"
    )
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    escalate_on: Mapped[date] = mapped_column(Date, nullable=False)
    reminder_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    unanswered: Mapped[str] = mapped_column(String(10), nullable=False, default=Unanswered.KEEP)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    fallback_reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    # The system owner confirms the decisions on privileged roles.
    second_stage: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    municipality: Mapped[Municipality] = relationship()
    systems: Mapped[list[ItSystem]] = relationship(
        secondary=review_systems, order_by="ItSystem.name"
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=review_municipalities, order_by="Municipality.name"
    )
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    approver: Mapped[User | None] = relationship(foreign_keys=[approver_id])
    fallback_reviewer: Mapped[User] = relationship(foreign_keys=[fallback_reviewer_id])

    @classmethod
    def scope_clause(cls, municipality_ids):
        """Read by those of the municipality that runs it and of those in its scope."""
        within = select(review_municipalities.c.review_id).where(
            review_municipalities.c.municipality_id.in_(municipality_ids)
        )
        return cls.municipality_id.in_(municipality_ids) | cls.id.in_(within)


class AccessReviewItem(VersionedMixin, db.Model):
    """One grant under review: who reviews it, what they decided and why, and what came of
    it (the removal task, confirmed done, and seen gone from the next account list)."""

    __tablename__ = "access_review_items"
    __table_args__ = (
        UniqueConstraint("review_id", "grant_id"),
        CheckConstraint(
            "decision IS NULL OR decision IN ('keep', 'end', 'change')", name="known_decision"
        ),
        CheckConstraint(
            "decision <> 'change' OR new_role_id IS NOT NULL", name="change_names_role"
        ),
        # A person's own grants are never theirs to review.
        CheckConstraint(
            "reviewer_id IS NULL OR holder_user_id IS NULL OR reviewer_id <> holder_user_id",
            name="not_own_grant",
        ),
        Index("ix_access_review_items_reviewer", "reviewer_id", "review_id", "submitted_at"),
        # The progress page counts a review's items per municipality, unit and reviewer:
        # read from the index alone, in its order.
        Index(
            "ix_access_review_items_review",
            "review_id",
            "municipality_id",
            "unit_id",
            "reviewer_id",
            "decision",
            "submitted_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("access_reviews.id"), nullable=False)
    grant_id: Mapped[int] = mapped_column(ForeignKey("access_grants.id"), nullable=False)
    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), nullable=False)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    holder_key: Mapped[str] = mapped_column(String(260), nullable=False)
    holder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    is_privileged: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    warnings: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)
    new_role_id: Mapped[int | None] = mapped_column(ForeignKey("system_roles.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Nobody answered: closing the campaign decided it by its rule.
    unanswered: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # The reviewer sent the unit's decisions: they can no longer be changed.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Second stage: the system owner confirmed the decision on a privileged role.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("access_tasks.id"), nullable=True)
    # The removal was done (the task marked done, or applied directly for vftops).
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    review: Mapped[AccessReview] = relationship()
    grant: Mapped[AccessGrant] = relationship()
    system: Mapped[ItSystem] = relationship()
    unit: Mapped[Unit | None] = relationship()
    municipality: Mapped[Municipality] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    new_role: Mapped[SystemRole | None] = relationship()
    task: Mapped[AccessTask | None] = relationship()

    @property
    def is_warned(self) -> bool:
        return bool(self.warnings)


# --- reconciliation against a system's account list -----------------------------------------


class AccountMapping(db.Model):
    """Which column of a system's exported account list holds what: kept per system, so
    the next list of the same system is read the same way."""

    __tablename__ = "account_mappings"

    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), primary_key=True)
    account: Mapped[str] = mapped_column(String(120), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    role: Mapped[str | None] = mapped_column(String(120), nullable=True)
    last_login: Mapped[str | None] = mapped_column(String(120), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )


class AccountList(TimestampMixin, VersionedMixin, db.Model):
    """One account list of a system, read in a dry run and then applied (or not). The file
    is kept only until it is applied; what was found stays as its summary."""

    __tablename__ = "account_lists"
    __table_args__ = (Index("ix_account_lists_system", "system_id", "applied_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    system: Mapped[ItSystem] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    applied_by: Mapped[User | None] = relationship(foreign_keys=[applied_by_id])
