"""Products, devices, recipients, placements and the movement ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
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

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from vftops.extensions import db
from vftops.org.models import Municipality

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.org.models import Unit
    from vftops.suppliers.models import Supplier


# --- stores: where devices are kept ------------------------------------------------------


class StoreKind(enum.StrEnum):
    CENTRAL = "central"  # sentrallager
    LOCAL = "local"  # avdeling, sykehjem, teknikerbil
    SUPPLIER = "supplier"  # leverandørlager


# A store shared by several municipalities (an inter-municipal service such as
# Værnesregionen): the owner plus every municipality listed here may use it.
store_shares = Table(
    "store_shares",
    db.metadata,
    Column("store_id", ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True, index=True),
)


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
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    municipality: Mapped[Municipality] = relationship()
    responsible: Mapped[User | None] = relationship()
    shared_with: Mapped[list[Municipality]] = relationship(
        secondary=store_shares, order_by="Municipality.name"
    )

    @classmethod
    def scope_clause(cls, municipality_ids):
        """Visible to the owner's members and to every municipality it is shared with."""
        shared = select(store_shares.c.store_id).where(
            store_shares.c.municipality_id.in_(municipality_ids)
        )
        return cls.municipality_id.in_(municipality_ids) | cls.id.in_(shared)

    @property
    def served_municipality_ids(self) -> set[int]:
        return {self.municipality_id} | {m.id for m in self.shared_with}

    def serves(self, municipality_id: int) -> bool:
        return municipality_id in self.served_municipality_ids

    def __str__(self) -> str:
        return self.name


# --- products and devices ------------------------------------------------------------------


class Category(enum.StrEnum):
    SAFETY_ALARM = "safety_alarm"  # trygghetsalarm
    MOBILE_ALARM = "mobile_alarm"  # mobil trygghetsalarm / GPS
    MEDICINE_DISPENSER = "medicine_dispenser"
    DIGITAL_SUPERVISION = "digital_supervision"  # digitalt tilsyn
    DOOR_SENSOR = "door_sensor"
    BED_SENSOR = "bed_sensor"
    FALL_SENSOR = "fall_sensor"
    SMOKE_DETECTOR = "smoke_detector"
    ELECTRONIC_LOCK = "electronic_lock"  # e-lås
    HUB = "hub"  # sentralenhet
    PHONE_TABLET = "phone_tablet"
    OTHER = "other"


class DeviceStatus(enum.StrEnum):
    IN_STOCK = "in_stock"
    INSTALLED = "installed"
    AWAITING_RESET = "awaiting_reset"  # taken back, not yet reset and cleaned
    IN_REPAIR = "in_repair"  # at the supplier; store_id is the store it comes back to
    IN_TRANSIT = "in_transit"  # on a transfer between stores: in neither store
    SCRAPPED = "scrapped"
    LOST = "lost"


class Ownership(enum.StrEnum):
    OWNED = "owned"
    LEASED = "leased"


class ReturnReason(enum.StrEnum):
    SERVICE_ENDED = "service_ended"
    REPLACED = "replaced"
    FAULTY = "faulty"
    MOVED = "moved"
    DECEASED = "deceased"


class VisitKind(enum.StrEnum):
    INSTALL = "install"
    RETURN = "return"
    REPLACE = "replace"
    TEST = "test"  # periodic function test, follow-up


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class MovementKind(enum.StrEnum):
    RECEIVE = "receive"  # registered into a store
    INSTALL = "install"
    RETURN = "return"
    RESET = "reset"  # reset and cleaned: awaiting_reset → in_stock
    REPAIR = "repair"  # sent to the supplier
    REPAIRED = "repaired"  # back from the supplier
    SCRAP = "scrap"
    LOST = "lost"
    FOUND = "found"
    CORRECTION = "correction"
    TRANSFER_OUT = "transfer_out"  # sent on a transfer
    TRANSFER_IN = "transfer_in"  # received from a transfer (or the transfer cancelled)
    COUNT = "count"  # a stock count found it in another place


STATUS_VALUES = ", ".join(f"'{s.value}'" for s in DeviceStatus)


class Product(TimestampMixin, VersionedMixin, db.Model):
    """A catalogue item: one model of safety alarm, sensor, dispenser … or a consumable."""

    __tablename__ = "products"
    # The catalogue belongs to no municipality: any reader may name a product
    # (vftops.core.scope).
    shared_by_all = True
    __table_args__ = (
        UniqueConstraint("manufacturer", "model"),
        CheckConstraint("lifetime_months IS NULL OR lifetime_months > 0", name="lifetime_positive"),
        CheckConstraint("monthly_rent IS NULL OR monthly_rent >= 0", name="rent_not_negative"),
        CheckConstraint(
            "test_interval_months IS NULL OR test_interval_months > 0",
            name="test_interval_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    manufacturer: Mapped[str] = mapped_column(String(80), nullable=False)
    model: Mapped[str] = mapped_column(String(80), nullable=False)
    # Serialised devices are tracked one by one; consumables are counted.
    is_serialised: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    standard_configuration: Mapped[str | None] = mapped_column(Text, nullable=True)
    lifetime_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stores_personal_data: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    # Extra return-checklist items for this product, on top of the standard ones.
    return_checklist: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.id"), nullable=True, index=True
    )
    # Monthly rent of one leased device, for the cost of idle leased stock.
    monthly_rent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    # Periodic function test («periodisk alarmkontroll»): every so many months.
    test_interval_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )

    supplier: Mapped[Supplier | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.manufacturer} {self.model}"

    def __str__(self) -> str:
        return self.name


class Device(TimestampMixin, VersionedMixin, db.Model):
    """One physical, serial-numbered item owned (or leased) by a municipality."""

    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("product_id", "serial_number"),
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="known_status"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        # The device list: filter by municipality and status, in serial order.
        Index("ix_devices_municipality_status", "municipality_id", "status", "serial_number"),
        # Devices in use per product (the fault report), counted from the index alone.
        Index("ix_devices_municipality_status_product", "municipality_id", "status", "product_id"),
        # The unfiltered list and the exports, in serial order: PostgreSQL cannot sort
        # by the pattern-ops index below, so without this it sorted the whole table.
        Index("ix_devices_serial_order", "serial_number", "product_id"),
        # Stock levels: count by store, product and status from the index alone.
        Index("ix_devices_store_product_status", "store_id", "product_id", "status"),
        # Search by the start or the end of a number: prefix indexes. PostgreSQL
        # needs pattern ops for LIKE 'x%' whatever the database's collation.
        Index(
            "ix_devices_serial_number",
            "serial_number",
            postgresql_ops={"serial_number": "varchar_pattern_ops"},
        ),
        Index(
            "ix_devices_serial_reversed",
            "serial_reversed",
            postgresql_ops={"serial_reversed": "varchar_pattern_ops"},
        ),
        Index("ix_devices_imei", "imei", postgresql_ops={"imei": "varchar_pattern_ops"}),
        Index(
            "ix_devices_phone_number",
            "phone_number",
            postgresql_ops={"phone_number": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    # Normalised: trimmed, upper case, no inner spaces (see equipment.serials).
    serial_number: Mapped[str] = mapped_column(String(64), nullable=False)
    # The serial backwards, so «ends with 4711» is an index lookup too.
    serial_reversed: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    # The store a device sits in while in stock or awaiting reset.
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), nullable=True)
    # When the status last changed: how long a device has waited for reset, lain idle …
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    imei: Mapped[str | None] = mapped_column(String(15), nullable=True)
    iccid: Mapped[str | None] = mapped_column(String(22), nullable=True)
    phone_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mac_address: Mapped[str | None] = mapped_column(String(17), nullable=True)
    firmware_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ownership: Mapped[str] = mapped_column(
        String(10), nullable=False, default=Ownership.OWNED, server_default="owned"
    )
    acquired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    warranty_until: Mapped[date | None] = mapped_column(Date, nullable=True)

    product: Mapped[Product] = relationship()
    municipality: Mapped[Municipality] = relationship()
    store: Mapped[Store | None] = relationship()

    def __str__(self) -> str:
        return self.serial_number


class Recipient(TimestampMixin, VersionedMixin, db.Model):
    """A citizen who has welfare technology (tjenestemottaker). Not a login.

    Only what an installer needs: nothing medical.
    """

    __tablename__ = "recipients"
    __table_args__ = (
        Index("ix_recipients_municipality_name", "municipality_id", "name"),
        Index(
            "ix_recipients_journal_ref",
            "journal_ref",
            postgresql_ops={"journal_ref": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    city: Mapped[str | None] = mapped_column(String(80), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Key box code location, door, dog … what the installer needs at the door.
    access_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    journal_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decision_ref: Mapped[str | None] = mapped_column(String(40), nullable=True)
    next_evaluation_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Needs manual follow-up when systems are down.
    is_critical: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    service_ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    municipality: Mapped[Municipality] = relationship()
    unit: Mapped[Unit | None] = relationship()
    relatives: Mapped[list[Relative]] = relationship(
        back_populates="recipient", cascade="all, delete-orphan", order_by="Relative.id"
    )

    def __str__(self) -> str:
        return self.name


class Relative(db.Model):
    """Next of kin (pårørende) who may respond to alarms."""

    __tablename__ = "relatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recipients.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)
    relation: Mapped[str | None] = mapped_column(String(60), nullable=True)
    responds_to_alarms: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    recipient: Mapped[Recipient] = relationship(back_populates="relatives")


class Placement(TimestampMixin, db.Model):
    """A device installed at a recipient's home, open until it is taken back."""

    __tablename__ = "placements"
    __table_args__ = (
        # At most one open placement per device, whatever races happen.
        Index(
            "uq_placements_open_device",
            "device_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index("ix_placements_recipient_open", "recipient_id", "returned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"), nullable=False)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    installed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # «Brukertilpasset konfigurasjon»: deviations from the product's standard.
    config_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    config_settings: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    training_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    return_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    return_checklist: Mapped[dict[str, bool]] = mapped_column(JSON, nullable=False, default=dict)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), nullable=True)

    device: Mapped[Device] = relationship()
    recipient: Mapped[Recipient] = relationship()
    installed_by: Mapped[User | None] = relationship(foreign_keys=[installed_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class Movement(db.Model):
    """One line in a device's ledger: every change of place or status. Never edited."""

    __tablename__ = "movements"
    __append_only__ = True
    __table_args__ = (
        Index("ix_movements_device_at", "device_id", "id"),
        # A store's history (charts, idle cost): the lines that moved into or out of it.
        Index("ix_movements_to_store", "to_store_id", "at"),
        Index("ix_movements_from_store", "from_store_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), nullable=False)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    from_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), nullable=True)
    to_store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), nullable=True)
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placements.id"), nullable=True, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    device: Mapped[Device] = relationship()
    actor: Mapped[User | None] = relationship()
    from_store: Mapped[Store | None] = relationship(foreign_keys=[from_store_id])
    to_store: Mapped[Store | None] = relationship(foreign_keys=[to_store_id])
    placement: Mapped[Placement | None] = relationship()


class Visit(TimestampMixin, VersionedMixin, db.Model):
    """A planned job at a recipient's home for one technician: «Mine oppdrag i dag»."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_assignee_day", "assigned_to_id", "planned_on", "status"),
        CheckConstraint("status IN ('planned', 'done', 'cancelled')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default=VisitStatus.PLANNED, server_default="planned"
    )
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"), nullable=False)
    # The device to install, or the placement to take back or replace.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), nullable=True)
    assigned_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The support ticket the visit is for, when planned from one.
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True, index=True
    )

    recipient: Mapped[Recipient] = relationship()
    device: Mapped[Device | None] = relationship()
    placement: Mapped[Placement | None] = relationship()
    assigned_to: Mapped[User] = relationship(foreign_keys=[assigned_to_id])
    # The ticket (vftops.support, which builds on this package): named, not imported.
    ticket: Mapped[Any] = relationship("Ticket", lazy="raise")
