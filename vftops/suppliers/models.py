"""Suppliers. Agreements, prices and deviations build on this record."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from vftops.core.models import TimestampMixin, VersionedMixin
from vftops.extensions import db


class Supplier(TimestampMixin, VersionedMixin, db.Model):
    """A company that delivers, leases or repairs welfare technology.

    Suppliers serve many municipalities, so they belong to none of them.
    """

    __tablename__ = "suppliers"
    # Belongs to no municipality: any reader may name a supplier (vftops.core.scope).
    shared_by_all = True
    __table_args__ = (
        CheckConstraint("lead_time_days IS NULL OR lead_time_days > 0", name="lead_time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    org_number: Mapped[str | None] = mapped_column(String(9), nullable=True)
    support_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    support_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Where purchase orders go. Without it an order is marked as sent and printed.
    order_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # For «who to contact about what»: when support answers, and what it costs outside.
    support_hours: Mapped[str | None] = mapped_column(String(120), nullable=True)
    out_of_hours_note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Days from order to delivery: feeds the suggested stock minimum.
    lead_time_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    def __str__(self) -> str:
        return self.name
