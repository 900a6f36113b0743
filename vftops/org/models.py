"""Municipalities (tenants), their units, and users' memberships."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, VersionedMixin
from vftops.extensions import db


class UnitKind(enum.StrEnum):
    VIRKSOMHET = "virksomhet"  # e.g. "Helse og velferd", "Hjemmetjenesten"
    AVDELING = "avdeling"  # a department or nursing home
    SONE = "sone"  # a home-care zone


class Municipality(TimestampMixin, VersionedMixin, db.Model):
    """A kommune: the tenant that owns recipients, stores and tickets.

    A shared service (interkommunalt samarbeid) serves several of them from
    one installation; each keeps its own data.
    """

    __tablename__ = "municipalities"
    __table_args__ = (CheckConstraint("length(number) = 4", name="number_four_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # Kommunenummer from SSB, e.g. "5035" for Stjørdal. Text: it may start with 0.
    number: Mapped[str] = mapped_column(String(4), nullable=False, unique=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    units: Mapped[list[Unit]] = relationship(
        back_populates="municipality", order_by="Unit.name", cascade="save-update"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="municipality")

    # The tenancy scope (vftops.core.scope) asks each model how it is limited to a
    # set of municipalities and which ones an object belongs to: a municipality is
    # its own.
    @classmethod
    def scope_clause(cls, municipality_ids):
        return cls.id.in_(municipality_ids)

    @property
    def served_municipality_ids(self) -> frozenset[int]:
        return frozenset({self.id})

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Unit(TimestampMixin, VersionedMixin, db.Model):
    """An organisational unit inside a municipality: virksomhet → avdeling / sone."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("municipality_id", "parent_id", "name"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=UnitKind.AVDELING)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    municipality: Mapped[Municipality] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def __str__(self) -> str:
        return self.name


class Membership(TimestampMixin, db.Model):
    """A user belongs to a municipality and sees and changes only its data."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )

    # The user (vftops.auth, which builds on this package): named, not imported.
    user: Mapped[Any] = relationship("User", back_populates="memberships")
    municipality: Mapped[Municipality] = relationship(back_populates="memberships")


class UnitMembership(TimestampMixin, db.Model):
    """A user works in a unit (a manager answers the access review for it)."""

    __tablename__ = "unit_memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "unit_id"),
        Index("ix_unit_memberships_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), nullable=False)

    user: Mapped[Any] = relationship("User", back_populates="unit_memberships")
    unit: Mapped[Unit] = relationship()
