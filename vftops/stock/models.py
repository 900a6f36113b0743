"""Stores: where devices wait between recipients."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, VersionedMixin
from vftops.extensions import db
from vftops.org.models import Municipality


class StoreKind(enum.StrEnum):
    CENTRAL = "central"  # sentrallager
    LOCAL = "local"  # avdeling, sykehjem, teknikerbil
    SUPPLIER = "supplier"  # leverandørlager


class Store(TimestampMixin, VersionedMixin, db.Model):
    """A stock location: the central store, a local mini-store, or stock held by a supplier."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default=StoreKind.CENTRAL)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    municipality: Mapped[Municipality] = relationship()

    def __str__(self) -> str:
        return self.name
