"""JSON shapes of the store: stores, stock levels, minimums, the consumable ledger,
transfers and purchase orders.

Input schemas reject unknown fields. Counts and sums a person types (quantity,
minimum, unit price …) are passed on as sent and checked by the operations, so
the API and the pages give the same translated message for the same mistake.
"""

from __future__ import annotations

import marshmallow as ma

from vftops.core.api import (
    CursorQuerySchema,
    StrictSchema,
    TypedNumber,
    list_envelope,
    optional_text,
)
from vftops.core.models import local_today
from vftops.equipment.models import StoreKind
from vftops.stock.models import OrderStatus, StockMovementKind, TransferStatus

STORE_KINDS = [k.value for k in StoreKind]
MOVEMENT_KINDS = [k.value for k in StockMovementKind]
TRANSFER_STATUSES = [s.value for s in TransferStatus]
ORDER_STATUSES = [s.value for s in OrderStatus]
VERSION = "The version you read; 409 if someone changed it since"


def _count(description: str, *, minimum: int = 0, **kwargs):
    """A whole number typed by a person; the operation names what is wrong with it."""
    return TypedNumber(
        metadata={"type": "integer", "minimum": minimum, "description": description}, **kwargs
    )


def _version():
    return ma.fields.Integer(allow_none=True, metadata={"description": VERSION})


# --- references ---------------------------------------------------------------------


class RefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class PersonRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(attribute="full_name")


class StockStoreRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": STORE_KINDS})
    municipality_id = ma.fields.Integer()
    is_active = ma.fields.Boolean()


class StockProductRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"description": "Manufacturer and model"})
    category = ma.fields.String()
    is_serialised = ma.fields.Boolean(
        metadata={"description": "true: devices by serial number; false: a counted consumable"}
    )


# --- stores -------------------------------------------------------------------------


class StoreSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer(metadata={"description": "The owning municipality"})
    municipality = ma.fields.Nested(RefSchema)
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": STORE_KINDS})
    responsible_id = ma.fields.Integer(allow_none=True)
    responsible = ma.fields.Nested(PersonRefSchema, allow_none=True)
    address = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    shared_with = ma.fields.List(
        ma.fields.Nested(RefSchema),
        metadata={"description": "Other municipalities that use the store (a shared service)"},
    )
    is_active = ma.fields.Boolean(metadata={"description": "false: archived, takes no stock"})
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class StoreCreateSchema(StrictSchema):
    municipality_id = ma.fields.Integer(
        required=True, metadata={"description": "One of your municipalities: it owns the store"}
    )
    name = ma.fields.String(required=True)
    kind = ma.fields.String(
        load_default=StoreKind.CENTRAL.value, metadata={"enum": STORE_KINDS, "default": "central"}
    )
    responsible_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "A user working in a municipality the store serves"},
    )
    address = optional_text()
    note = optional_text()
    shared_with_ids = ma.fields.List(
        ma.fields.Integer(),
        metadata={"description": "Other municipalities of yours that use the store too"},
    )


class StoreUpdateSchema(StrictSchema):
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": STORE_KINDS})
    responsible_id = ma.fields.Integer(allow_none=True)
    address = optional_text()
    note = optional_text()
    shared_with_ids = ma.fields.List(
        ma.fields.Integer(), metadata={"description": "Replaces the whole list when sent"}
    )
    is_active = ma.fields.Boolean(
        metadata={
            "description": "false archives the store: 409 with details while it still holds "
            "devices or consumables, or has transfers or orders under way"
        }
    )
    version = _version()


class StoreQuerySchema(CursorQuerySchema):
    municipality_id = ma.fields.Integer(
        load_default=None,
        metadata={"description": "Stores that serve this municipality: its own and shared ones"},
    )
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STORE_KINDS))
    is_active = ma.fields.Boolean(
        load_default=None, metadata={"description": "true: in use; false: archived; none: both"}
    )


# --- stock levels -------------------------------------------------------------------


class LevelSchema(ma.Schema):
    store = ma.fields.Nested(StockStoreRefSchema)
    product = ma.fields.Nested(StockProductRefSchema)
    available = ma.fields.Integer(
        metadata={"description": "On the shelf and ready: devices in stock, or the quantity"}
    )
    awaiting_reset = ma.fields.Integer(metadata={"description": "Taken back, not yet reset"})
    in_repair = ma.fields.Integer(metadata={"description": "At the supplier, coming back here"})
    incoming = ma.fields.Integer(metadata={"description": "On a transfer to this store"})
    on_order = ma.fields.Integer(metadata={"description": "Ordered (sent orders), not received"})
    minimum = ma.fields.Integer(allow_none=True)
    reorder_target = ma.fields.Integer(allow_none=True)
    minimum_id = ma.fields.Function(
        lambda lv: lv.minimum_id,
        metadata={"type": "integer", "nullable": True, "description": "The stock minimum row"},
    )
    shortfall = ma.fields.Integer(metadata={"description": "How many below the minimum"})
    to_order = ma.fields.Integer(
        metadata={
            "description": "What to order to reach the reorder target, counting what is on "
            "order or on its way"
        }
    )
    transfer_from = ma.fields.Function(
        lambda lv: [
            {"store_id": store.id, "store_name": store.name, "quantity": n}
            for store, n in lv.transfer_from
        ],
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "With below_minimum=true: stores of the same municipality or "
            "shared service that can send this many without going below their own minimum, "
            "before anything is ordered",
        },
    )
    order_after_transfers = ma.fields.Integer(
        metadata={
            "description": "What is left to order from the supplier once the suggested "
            "transfers are sent (what «order the shortfall» orders)"
        }
    )


class LevelQuerySchema(CursorQuerySchema):
    store_id = ma.fields.Integer(load_default=None)
    product_id = ma.fields.Integer(load_default=None)
    below_minimum = ma.fields.Boolean(
        load_default=False, metadata={"description": "true: only what is below its minimum"}
    )


# --- minimums -----------------------------------------------------------------------


class StockMinimumSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    store_id = ma.fields.Integer()
    store = ma.fields.Nested(StockStoreRefSchema)
    product_id = ma.fields.Integer()
    product = ma.fields.Nested(StockProductRefSchema)
    minimum = ma.fields.Integer(metadata={"description": "Below this the store is short"})
    reorder_target = ma.fields.Integer(
        allow_none=True, metadata={"description": "Order up to this; null: up to the minimum"}
    )
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class StockMinimumSetSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True)
    minimum = _count("A whole number of 0 or more", required=True)
    reorder_target = _count("At least the minimum; null: order up to the minimum", allow_none=True)
    version = _version()


class StockMinimumUpdateSchema(StrictSchema):
    minimum = _count("A whole number of 0 or more")
    reorder_target = _count("At least the minimum; null clears it", allow_none=True)
    version = _version()


class StockMinimumQuerySchema(CursorQuerySchema):
    store_id = ma.fields.Integer(load_default=None)
    product_id = ma.fields.Integer(load_default=None)


class StoreProductSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True)


class SuggestionQuerySchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(load_default=None)


class SuggestionSchema(ma.Schema):
    product = ma.fields.Nested(StockProductRefSchema)
    installed_base = ma.fields.Integer(
        metadata={"description": "Devices from this store installed at recipients now"}
    )
    failures_12_months = ma.fields.Integer(
        metadata={
            "description": "Failures in the last 12 months: returns plus fault tickets "
            "(returns_12_months + fault_tickets_12_months)"
        },
    )
    returns_12_months = ma.fields.Integer(
        metadata={"description": "Devices from this store returned faulty or replaced"},
    )
    fault_tickets_12_months = ma.fields.Integer(
        metadata={
            "description": "Technical alarms and equipment-fault tickets about devices from "
            "this store that were not also returned faulty or replaced (counted once)"
        },
    )
    failure_rate_per_year = ma.fields.Float(
        metadata={"description": "Failures per installed device a year"}
    )
    lead_time_days = ma.fields.Integer(metadata={"description": "The supplier's lead time"})
    lead_time_is_default = ma.fields.Boolean(
        metadata={"description": "true: the supplier has none; the configured default is used"}
    )
    expected_in_lead_time = ma.fields.Float(
        metadata={"description": "Failures expected while an order is on its way"}
    )
    safety_margin = ma.fields.Float(
        metadata={"description": "1.65 × √expected (95 % service level)"}
    )
    suggested = ma.fields.Integer(
        metadata={"description": "⌈expected + safety⌉, at least 1 when devices are installed"}
    )
    minimum = ma.fields.Integer(
        allow_none=True, metadata={"description": "The store's minimum now, if any"}
    )
    minimum_id = ma.fields.Integer(allow_none=True)


class SuggestionListSchema(ma.Schema):
    store = ma.fields.Nested(StockStoreRefSchema)
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema))


# --- consumable ledger --------------------------------------------------------------


class StockMovementSchema(ma.Schema):
    id = ma.fields.Integer()
    store_id = ma.fields.Integer()
    store = ma.fields.Nested(StockStoreRefSchema)
    product_id = ma.fields.Integer()
    product = ma.fields.Nested(StockProductRefSchema)
    municipality_id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    kind = ma.fields.String(metadata={"enum": MOVEMENT_KINDS})
    quantity = ma.fields.Integer(metadata={"description": "The signed change"})
    balance_after = ma.fields.Integer(metadata={"description": "The store's quantity after it"})
    reason = ma.fields.String(allow_none=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.Function(
        lambda m: m.actor.full_name if m.actor else None,
        metadata={"type": "string", "nullable": True},
    )
    recipient_id = ma.fields.Integer(allow_none=True)
    issued_to_id = ma.fields.Integer(allow_none=True)
    transfer_id = ma.fields.Integer(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True)
    count_id = ma.fields.Integer(allow_none=True)


class MovementResultSchema(ma.Schema):
    movement = ma.fields.Nested(
        StockMovementSchema,
        allow_none=True,
        metadata={"description": "The ledger line; null when an adjustment changed nothing"},
    )
    balance = ma.fields.Integer(metadata={"description": "The store's quantity now"})


class StockMovementQuerySchema(CursorQuerySchema):
    store_id = ma.fields.Integer(load_default=None)
    product_id = ma.fields.Integer(load_default=None)
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(MOVEMENT_KINDS))


class ReceiveConsumablesSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True, metadata={"description": "A consumable"})
    quantity = _count("How many arrived, 1 or more", minimum=1, required=True)
    reason = optional_text(metadata={"description": "Delivery note or where they came from"})


class IssueConsumablesSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True, metadata={"description": "A consumable"})
    quantity = _count("How many were taken out, 1 or more", minimum=1, required=True)
    recipient_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The recipient whose equipment they went to"}
    )
    issued_to_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The colleague who took them"}
    )
    reason = optional_text(
        metadata={"description": "Required when neither recipient nor colleague"}
    )


class AdjustConsumablesSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True)
    product_id = ma.fields.Integer(required=True, metadata={"description": "A consumable"})
    counted = _count("What is on the shelf: the quantity becomes this", required=True)
    reason = ma.fields.String(required=True, metadata={"description": "Why it differed"})


# --- transfers ----------------------------------------------------------------------


class TransferLineSchema(ma.Schema):
    id = ma.fields.Integer()
    product = ma.fields.Nested(StockProductRefSchema)
    device_id = ma.fields.Integer(allow_none=True)
    serial_number = ma.fields.Function(
        lambda line: line.device.serial_number if line.device is not None else None,
        metadata={"type": "string", "nullable": True},
    )
    quantity = ma.fields.Integer()
    device_status = ma.fields.String(
        allow_none=True, metadata={"description": "The status it arrives in"}
    )


class TransferSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer()
    from_store_id = ma.fields.Integer()
    from_store = ma.fields.Nested(StockStoreRefSchema)
    to_store_id = ma.fields.Integer()
    to_store = ma.fields.Nested(StockStoreRefSchema)
    status = ma.fields.String(metadata={"enum": TRANSFER_STATUSES})
    note = ma.fields.String(allow_none=True)
    sent_at = ma.fields.AwareDateTime()
    sent_by_id = ma.fields.Integer(allow_none=True)
    received_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was received or cancelled"}
    )
    received_by_id = ma.fields.Integer(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(TransferLineSchema))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class QuantityLineSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True, metadata={"description": "A consumable"})
    quantity = _count("1 or more", minimum=1, required=True)


class TransferCreateSchema(StrictSchema):
    from_store_id = ma.fields.Integer(required=True)
    to_store_id = ma.fields.Integer(required=True)
    serials = ma.fields.List(
        ma.fields.String(),
        load_default=list,
        metadata={"description": "Serials of devices on the sending store's shelf"},
    )
    quantities = ma.fields.List(ma.fields.Nested(QuantityLineSchema), load_default=list)
    note = optional_text()


class TransferActionSchema(StrictSchema):
    version = _version()


class TransferQuerySchema(CursorQuerySchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(TRANSFER_STATUSES))
    store_id = ma.fields.Integer(
        load_default=None, metadata={"description": "Sent from or to this store"}
    )


# --- purchase orders ----------------------------------------------------------------


class OrderLineSchema(ma.Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    product = ma.fields.Nested(StockProductRefSchema)
    quantity = ma.fields.Integer()
    received_quantity = ma.fields.Integer()
    outstanding = ma.fields.Integer(metadata={"description": "Ordered and not yet received"})
    unit_price = ma.fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"type": "string", "description": "NOK as a decimal string"},
    )


class PurchaseOrderSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    number = ma.fields.String(
        metadata={
            "description": "The municipality's number, the year and a sequence: 5035-2026-0001"
        }
    )
    municipality_id = ma.fields.Integer()
    supplier_id = ma.fields.Integer()
    supplier = ma.fields.Nested(RefSchema)
    store_id = ma.fields.Integer()
    store = ma.fields.Nested(StockStoreRefSchema)
    agreement_ref = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": ORDER_STATUSES})
    is_open = ma.fields.Boolean(metadata={"description": "Sent and not wholly received"})
    is_overdue = ma.fields.Function(
        lambda order: order.is_overdue(local_today()),
        metadata={"type": "boolean", "description": "Open and past its expected date"},
    )
    expected_on = ma.fields.Date(allow_none=True)
    note = ma.fields.String(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    sent_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    mail_to = ma.fields.String(
        allow_none=True,
        metadata={"description": "The supplier's order address the order is e-mailed to"},
    )
    mailed_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When the e-mail left; null with mail_to: not yet (retried daily)"
        },
    )
    mail_message_id = ma.fields.String(allow_none=True)
    mail_error = ma.fields.String(
        allow_none=True, metadata={"description": "Why the e-mail has not left yet"}
    )
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class OrderLineInputSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True)
    quantity = _count("1 or more", minimum=1, required=True)
    unit_price = TypedNumber(
        allow_none=True,
        metadata={"type": "string", "description": "NOK, at most two decimals"},
    )


class OrderCreateSchema(StrictSchema):
    store_id = ma.fields.Integer(required=True, metadata={"description": "Delivered to"})
    supplier_id = ma.fields.Integer(required=True)
    expected_on = ma.fields.Date(
        allow_none=True, metadata={"description": "Default when sent: today + lead time"}
    )
    agreement_ref = optional_text(metadata={"description": "The agreement the call-off is made on"})
    note = optional_text()
    lines = ma.fields.List(ma.fields.Nested(OrderLineInputSchema), required=True)


class OrderUpdateSchema(StrictSchema):
    lines = ma.fields.List(
        ma.fields.Nested(OrderLineInputSchema),
        metadata={"description": "A draft's lines, replacing them all; 409 once sent"},
    )
    expected_on = ma.fields.Date(allow_none=True)
    agreement_ref = optional_text()
    note = optional_text()
    version = _version()


class OrderActionSchema(StrictSchema):
    version = _version()


class OrderCancelSchema(StrictSchema):
    reason = optional_text(metadata={"description": "Required once the order is sent"})
    version = _version()


class ReceiptLineSchema(StrictSchema):
    line_id = ma.fields.Integer(required=True)
    serials = ma.fields.List(
        ma.fields.String(), metadata={"description": "Scanned serials (serialised products)"}
    )
    quantity = _count("How many came (consumables)", minimum=1, allow_none=True)


class OrderReceiveSchema(StrictSchema):
    lines = ma.fields.List(ma.fields.Nested(ReceiptLineSchema), required=True)
    reason = optional_text(metadata={"description": "Required to receive more than ordered"})
    version = _version()
    shared_serial_ok = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "A serial registered for another product is refused (422) unless "
            "this confirms two manufacturers really use the same number"
        },
    )


class OrderQuerySchema(CursorQuerySchema):
    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(["open", *ORDER_STATUSES]),
        metadata={"description": "`open`: drafts, sent and partly received"},
    )
    store_id = ma.fields.Integer(load_default=None)
    supplier_id = ma.fields.Integer(load_default=None)
    overdue = ma.fields.Boolean(
        load_default=False, metadata={"description": "true: sent and past the expected date"}
    )


StorePageSchema = list_envelope(StoreSchema)
LevelPageSchema = list_envelope(LevelSchema)
StockMinimumPageSchema = list_envelope(StockMinimumSchema)
StockMovementPageSchema = list_envelope(StockMovementSchema)
TransferPageSchema = list_envelope(TransferSchema)
PurchaseOrderPageSchema = list_envelope(PurchaseOrderSchema)
