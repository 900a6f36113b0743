"""Stores, stock minimums, consumable quantities, transfers, purchase orders and counts.

Stock is never typed in. A serialised device's place is `Device.store_id` and its
status; a consumable's quantity is `StockBalance.quantity`, changed only together
with a `StockMovement` ledger line, and never below zero (a database check).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vftops.core.models import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from vftops.equipment.models import Device, Product, Recipient, Store
from vftops.extensions import db
from vftops.org.models import Municipality

if TYPE_CHECKING:
    from vftops.auth.models import User
    from vftops.suppliers.models import Supplier


class StockBalance(db.Model):
    """How many of a consumable a store holds: the running sum of its StockMovements."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    store: Mapped[Store] = relationship()
    product: Mapped[Product] = relationship()


class StockMovementKind(enum.StrEnum):
    RECEIVE = "receive"  # delivery, order or found
    ISSUE = "issue"  # to a recipient's placement or a technician
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUST = "adjust"  # after a count


class StockMovement(db.Model):
    """One ledger line for a consumable in a store. Never edited."""

    __tablename__ = "stock_movements"
    __append_only__ = True
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        Index("ix_stock_movements_store_product", "store_id", "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)  # signed change
    balance_after: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id"), nullable=True)
    issued_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), nullable=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"), nullable=True)
    count_id: Mapped[int | None] = mapped_column(ForeignKey("stock_counts.id"), nullable=True)

    store: Mapped[Store] = relationship()
    product: Mapped[Product] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    issued_to: Mapped[User | None] = relationship(foreign_keys=[issued_to_id])
    recipient: Mapped[Recipient | None] = relationship()


class StockMinimum(TimestampMixin, VersionedMixin, db.Model):
    """Minimumsbeholdning: below `minimum` the store is short; order up to `reorder_target`."""

    __tablename__ = "stock_minimums"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        CheckConstraint("minimum >= 0", name="minimum_not_negative"),
        CheckConstraint(
            "reorder_target IS NULL OR reorder_target >= minimum", name="target_at_least_minimum"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    minimum: Mapped[int] = mapped_column(Integer, nullable=False)
    reorder_target: Mapped[int | None] = mapped_column(Integer, nullable=True)

    store: Mapped[Store] = relationship()
    product: Mapped[Product] = relationship()

    @property
    def target(self) -> int:
        return self.reorder_target if self.reorder_target is not None else self.minimum


class TransferStatus(enum.StrEnum):
    SENT = "sent"  # in transit: in neither store's count
    RECEIVED = "received"
    CANCELLED = "cancelled"  # back in the sending store


class Transfer(TimestampMixin, VersionedMixin, db.Model):
    """Devices and consumables on their way from one store to another."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint("from_store_id <> to_store_id", name="different_stores"),
        CheckConstraint("status IN ('sent', 'received', 'cancelled')", name="known_status"),
        Index("ix_transfers_to_store_status", "to_store_id", "status"),
        Index("ix_transfers_from_store_status", "from_store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    from_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    to_store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TransferStatus.SENT)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    from_store: Mapped[Store] = relationship(foreign_keys=[from_store_id])
    to_store: Mapped[Store] = relationship(foreign_keys=[to_store_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    lines: Mapped[list[TransferLine]] = relationship(
        back_populates="transfer", cascade="all, delete-orphan", order_by="TransferLine.id"
    )


class TransferLine(db.Model):
    """One device (by serial) or a quantity of one consumable on a transfer."""

    __tablename__ = "transfer_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        UniqueConstraint("transfer_id", "device_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id"), nullable=True, index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # A device's status before it left (in stock or awaiting reset): it arrives so.
    device_status: Mapped[str | None] = mapped_column(String(20), nullable=True)

    transfer: Mapped[Transfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    device: Mapped[Device | None] = relationship()


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


OPEN_ORDER_STATUSES = (OrderStatus.SENT.value, OrderStatus.PARTLY_RECEIVED.value)


class PurchaseOrder(TimestampMixin, VersionedMixin, db.Model):
    """Bestilling: an order to a supplier, delivered to one store, received in parts."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        # «5035-2026-0001»: the municipality's number first, so an order number names
        # one order everywhere, also in a store shared by several municipalities.
        UniqueConstraint("number"),
        CheckConstraint(
            "status IN ('draft', 'sent', 'partly_received', 'received', 'cancelled')",
            name="known_status",
        ),
        Index("ix_purchase_orders_store_status", "store_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False)
    # The agreement the call-off is made on. Agreements get their own register;
    # until then the agreement's reference is written here.
    agreement_ref: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=OrderStatus.DRAFT)
    expected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The e-mail to the supplier: to whom (set when the order is sent and the supplier
    # has an order address), when it left and its Message-ID, or why it has not left
    # yet (the daily run tries again). Bookkeeping, written past the row's version.
    mail_to: Mapped[str | None] = mapped_column(String(254), nullable=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    mail_message_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    mail_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    mail_attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    supplier: Mapped[Supplier] = relationship()
    store: Mapped[Store] = relationship()
    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="PurchaseOrderLine.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.expected_on is not None and self.expected_on < today


class PurchaseOrderLine(db.Model):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
        CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    received_quantity: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received_quantity, 0)


class OrderReceipt(db.Model):
    """One delivery against an order line: how many came, when, and why if more than ordered."""

    __tablename__ = "order_receipts"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id"), nullable=False, index=True
    )
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    line: Mapped[PurchaseOrderLine] = relationship()
    actor: Mapped[User | None] = relationship()


class CountStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class StockCount(TimestampMixin, VersionedMixin, db.Model):
    """Varetelling: a store counted by scanning, confirmed into adjustments."""

    __tablename__ = "stock_counts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'cancelled')", name="known_status"),
        # One count at a time per store.
        Index(
            "uq_stock_counts_open_store",
            "store_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), nullable=False, index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CountStatus.OPEN)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    store: Mapped[Store] = relationship()
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    scans: Mapped[list[StockCountScan]] = relationship(
        cascade="all, delete-orphan", order_by="StockCountScan.id"
    )
    quantities: Mapped[list[StockCountQuantity]] = relationship(cascade="all, delete-orphan")


class StockCountScan(db.Model):
    """A serial scanned during a count; `device_id` when vftops knows it."""

    __tablename__ = "stock_count_scans"
    __table_args__ = (UniqueConstraint("count_id", "serial_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), nullable=False)
    serial_number: Mapped[str] = mapped_column(String(64), nullable=False)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    device: Mapped[Device | None] = relationship()


class StockCountQuantity(db.Model):
    """A consumable counted during a count."""

    __tablename__ = "stock_count_quantities"
    __table_args__ = (
        UniqueConstraint("count_id", "product_id"),
        CheckConstraint("counted >= 0", name="counted_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    counted: Mapped[int] = mapped_column(Integer, nullable=False)

    product: Mapped[Product] = relationship()
