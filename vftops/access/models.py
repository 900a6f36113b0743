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
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import UTCDateTime, utcnow
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.systems.models import ItSystem, SystemRole

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.equipment.models import Recipient
    from vftops.org.models import Unit


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
    # What the last account list of the system said of it.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
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
