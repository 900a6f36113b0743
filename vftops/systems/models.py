"""The systems register: the systems whose access the municipality must control (the
response-centre solution, the dispenser portal, the remote-care system, MDM … and vftops
itself), and each system's roles as the system calls them, with what they allow and which
jobs normally need them.

It sits below support and access: a support ticket names the system it is about, a
routing rule sends a system's tickets to a team, and the authorisation register gives
people roles in these systems.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, VersionedMixin
from vftops.extensions import db
from vftops.org.models import Municipality

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.suppliers.models import Supplier


class SystemKind(enum.StrEnum):
    RESPONSE_CENTRE = "response_centre"
    DISPENSER_PORTAL = "dispenser_portal"
    REMOTE_CARE = "remote_care"  # remote-care system or EPJ
    MDM = "mdm"
    HUB = "hub"  # hub or gateway platform
    SUPPLIER_PORTAL = "supplier_portal"
    VFTOPS = "vftops"
    OTHER = "other"


class AdminKind(enum.StrEnum):
    """Who grants access in the system. A team is the one the municipality's routing
    sends the system's access tickets to."""

    USER = "user"
    TEAM = "team"
    SUPPLIER = "supplier"  # «på bestilling fra systemansvarlig»


class AccountSource(enum.StrEnum):
    LOCAL = "local"  # accounts made in the system itself
    DIRECTORY = "directory"  # from the municipality's directory
    SUPPLIER = "supplier"  # the supplier makes them


class SystemStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    RETIRED = "retired"


class JobFunction(enum.StrEnum):
    """The jobs a role is normally for: access outside them is pointed out in the review."""

    TECHNICIAN = "technician"
    HOME_CARE_NURSE = "home_care_nurse"
    RESPONSE_CENTRE = "response_centre"
    SERVICEDESK = "servicedesk"
    IT = "it"
    UNIT_MANAGER = "unit_manager"
    SUPPLIER = "supplier"
    RELATIVE = "relative"
    RECIPIENT = "recipient"


MIN_REVIEW_MONTHS = 1
MAX_REVIEW_MONTHS = 36

system_shares = Table(
    "it_system_municipalities",
    db.metadata,
    Column("system_id", ForeignKey("it_systems.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True, index=True),
)


class ItSystem(TimestampMixin, VersionedMixin, db.Model):
    """A system whose access is controlled. It belongs to the municipality that runs it
    and serves those it is shared with (a shared service's system serves several)."""

    __tablename__ = "it_systems"
    __table_args__ = (
        UniqueConstraint("municipality_id", "name"),
        CheckConstraint(
            f"review_interval_months BETWEEN {MIN_REVIEW_MONTHS} AND {MAX_REVIEW_MONTHS}",
            name="review_interval_range",
        ),
        CheckConstraint(
            "(admin_kind = 'user' AND admin_user_id IS NOT NULL)"
            " OR (admin_kind IN ('team', 'supplier') AND admin_user_id IS NULL)",
            name="one_administrator",
        ),
        # vftops is in its own register once.
        Index(
            "uq_it_systems_vftops",
            "kind",
            unique=True,
            sqlite_where=text("kind = 'vftops'"),
            postgresql_where=text("kind = 'vftops'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default=SystemKind.OTHER)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    admin_kind: Mapped[str] = mapped_column(String(20), nullable=False, default=AdminKind.TEAM)
    admin_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    holds_health_data: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    account_source: Mapped[str] = mapped_column(
        String(20), nullable=False, default=AccountSource.LOCAL
    )
    review_interval_months: Mapped[int] = mapped_column(
        Integer, nullable=False, default=6, server_default="6"
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SystemStatus.ACTIVE)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    municipality: Mapped[Municipality] = relationship()
    shared_with: Mapped[list[Municipality]] = relationship(
        secondary=system_shares, order_by="Municipality.name"
    )
    supplier: Mapped[Supplier | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    admin_user: Mapped[User | None] = relationship(foreign_keys=[admin_user_id])
    roles: Mapped[list[SystemRole]] = relationship(
        back_populates="system", order_by="SystemRole.name"
    )

    @classmethod
    def scope_clause(cls, municipality_ids):
        """Visible to the members of the municipality that runs it and of those it serves."""
        shared = select(system_shares.c.system_id).where(
            system_shares.c.municipality_id.in_(municipality_ids)
        )
        return cls.municipality_id.in_(municipality_ids) | cls.id.in_(shared)

    @property
    def served_municipality_ids(self) -> set[int]:
        return {self.municipality_id} | {m.id for m in self.shared_with}

    @property
    def is_vftops(self) -> bool:
        return self.kind == SystemKind.VFTOPS

    def __str__(self) -> str:
        return self.name


class SystemRole(TimestampMixin, VersionedMixin, db.Model):
    """A role as the system calls it, what it allows in plain words, whether it is
    privileged, and the jobs that normally need it."""

    __tablename__ = "system_roles"
    __table_args__ = (
        UniqueConstraint("system_id", "name"),
        # A grant names its role and system together: the role must be the system's.
        UniqueConstraint("id", "system_id", name="uq_system_roles_id_system"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("it_systems.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_privileged: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    job_functions: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    system: Mapped[ItSystem] = relationship(back_populates="roles")

    @classmethod
    def scope_clause(cls, municipality_ids):
        """Visible with its system."""
        systems = select(ItSystem.id).where(ItSystem.scope_clause(municipality_ids))
        return cls.system_id.in_(systems)

    @property
    def served_municipality_ids(self) -> set[int]:
        return self.system.served_municipality_ids

    def __str__(self) -> str:
        return self.name
