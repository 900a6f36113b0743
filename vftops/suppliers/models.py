"""Suppliers and the people to reach there. Agreements, prices and deviations build on
this record."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # The postal address, as on the supplier's letters and invoices.
    street_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(4), nullable=True)
    city: Mapped[str | None] = mapped_column(String(80), nullable=True)

    contacts: Mapped[list[SupplierContact]] = relationship(
        back_populates="supplier", order_by="(SupplierContact.role, SupplierContact.name)"
    )

    @property
    def address(self) -> str:
        place = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.street_address, place) if p)

    def __str__(self) -> str:
        return self.name


class ContactRole(enum.StrEnum):
    ACCOUNT_MANAGER = "account_manager"  # kundeansvarlig
    SUPPORT = "support"
    INVOICING = "invoicing"  # faktura
    DELIVERY = "delivery"  # ordre og levering
    SECURITY = "security"  # sikkerhet og personvern (avvik, databehandleravtale)
    OTHER = "other"


CONTACT_ROLE_LABELS = {
    ContactRole.ACCOUNT_MANAGER: _l("Account manager"),
    ContactRole.SUPPORT: _l("Support"),
    ContactRole.INVOICING: _l("Invoicing"),
    ContactRole.DELIVERY: _l("Orders and delivery"),
    ContactRole.SECURITY: _l("Security and privacy"),
    ContactRole.OTHER: _l("Other"),
}


class SupplierContact(TimestampMixin, VersionedMixin, db.Model):
    """A person at the supplier, and what to contact them about."""

    __tablename__ = "supplier_contacts"
    shared_by_all = True  # as its supplier

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=ContactRole.OTHER)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)

    supplier: Mapped[Supplier] = relationship(back_populates="contacts")

    @property
    def role_label(self):
        return CONTACT_ROLE_LABELS.get(self.role, self.role)

    def __str__(self) -> str:
        return self.name
