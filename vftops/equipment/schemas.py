"""JSON shapes of the equipment register: catalogue, stores, devices,
recipients, placements and the movement ledger.

Input schemas reject unknown fields. Rules that need the database or give a
translated message (categories, return reasons, identifiers …) are checked by
the operations; the `enum` metadata documents the accepted values.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import gettext as _

from vftops.core.api import (
    CursorQuerySchema,
    StrictSchema,
    TypedNumber,
    list_envelope,
    optional_text,
)
from vftops.equipment import checklist as cl
from vftops.equipment.models import (
    Category,
    DeviceStatus,
    MovementKind,
    Ownership,
    ReturnReason,
    StoreKind,
)
from vftops.equipment.operations import Destination, open_placement
from vftops.equipment.status import STATUS_LABELS, allowed_next
from vftops.suppliers.schemas import SupplierRefSchema

CATEGORIES = [c.value for c in Category]
STATUSES = [s.value for s in DeviceStatus]
MOVEMENT_KINDS = [k.value for k in MovementKind]
OWNERSHIPS = [o.value for o in Ownership]
RETURN_REASONS = [r.value for r in ReturnReason]
DESTINATIONS = list(Destination.ALL)
STORE_KINDS = [k.value for k in StoreKind]


def _kroner_input(**metadata):
    return TypedNumber(
        allow_none=True,
        metadata={
            "type": "string",
            "description": "NOK with at most two decimals, as a decimal string or a number",
            **metadata,
        },
    )


# --- products -------------------------------------------------------------------------


class ProductRefSchema(ma.Schema):
    id = ma.fields.Integer()
    category = ma.fields.String()
    manufacturer = ma.fields.String()
    model = ma.fields.String()
    name = ma.fields.String()


class ProductSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    category = ma.fields.String(metadata={"enum": CATEGORIES})
    manufacturer = ma.fields.String()
    model = ma.fields.String()
    name = ma.fields.String(metadata={"description": "Manufacturer and model"})
    is_serialised = ma.fields.Boolean()
    standard_configuration = ma.fields.String(allow_none=True)
    lifetime_months = ma.fields.Integer(allow_none=True)
    test_interval_months = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Periodic function test every so many months; null: none"},
    )
    stores_personal_data = ma.fields.Boolean()
    return_checklist = ma.fields.List(
        ma.fields.String(), metadata={"description": "Extra return-checklist items"}
    )
    checklist_items = ma.fields.Method(
        "_checklist_items",
        metadata={
            "description": "Every item of the return checklist: send the keys as `checklist` "
            "when a device is returned or reset",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "label": {"type": "string"}},
            },
        },
    )
    supplier_id = ma.fields.Integer(allow_none=True)
    supplier = ma.fields.Nested(SupplierRefSchema, allow_none=True)
    monthly_rent = ma.fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={
            "description": "Monthly rent of one leased device, NOK as a decimal string",
            "type": "string",
        },
    )
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _checklist_items(self, product) -> list[dict[str, str]]:
        return [{"key": k, "label": str(label)} for k, label in cl.checklist_items(product)]


class ProductCreateSchema(StrictSchema):
    category = ma.fields.String(required=True, metadata={"enum": CATEGORIES})
    manufacturer = ma.fields.String(required=True)
    model = ma.fields.String(required=True)
    is_serialised = ma.fields.Boolean(
        metadata={"description": "False for consumables that are counted (default true)"}
    )
    standard_configuration = optional_text()
    lifetime_months = ma.fields.Integer(allow_none=True)
    test_interval_months = TypedNumber(
        allow_none=True,
        metadata={
            "type": "integer",
            "minimum": 1,
            "maximum": 120,
            "description": "Function test every so many months, 1 to 120; null: none",
        },
    )
    stores_personal_data = ma.fields.Boolean()
    return_checklist = ma.fields.List(ma.fields.String())
    supplier_id = ma.fields.Integer(allow_none=True)
    monthly_rent = _kroner_input(example="149.00")


class ProductUpdateSchema(StrictSchema):
    category = ma.fields.String(metadata={"enum": CATEGORIES})
    manufacturer = ma.fields.String()
    model = ma.fields.String()
    is_serialised = ma.fields.Boolean()
    standard_configuration = optional_text()
    lifetime_months = ma.fields.Integer(allow_none=True)
    test_interval_months = TypedNumber(
        allow_none=True,
        metadata={
            "type": "integer",
            "minimum": 1,
            "maximum": 120,
            "description": "Function test every so many months, 1 to 120; null: none",
        },
    )
    stores_personal_data = ma.fields.Boolean()
    return_checklist = ma.fields.List(ma.fields.String())
    supplier_id = ma.fields.Integer(allow_none=True)
    monthly_rent = _kroner_input(example="149.00")
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class ProductQuerySchema(CursorQuerySchema):
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CATEGORIES))
    q = ma.fields.String(
        load_default=None, metadata={"description": "Part of manufacturer or model"}
    )
    is_active = ma.fields.Boolean(load_default=None)


# --- stores (the full store API is vftops.stock.api) ---------------------------------


class StoreRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()


# --- devices --------------------------------------------------------------------------


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    product_id = ma.fields.Integer()
    product = ma.fields.Nested(ProductRefSchema)
    municipality_id = ma.fields.Integer()
    serial_number = ma.fields.String(metadata={"description": "Normalised: upper case, no spaces"})
    status = ma.fields.String(metadata={"enum": STATUSES})
    status_label = ma.fields.Function(
        lambda d: str(STATUS_LABELS.get(DeviceStatus(d.status), d.status)),
        metadata={"description": "The status in the reader's language", "type": "string"},
    )
    allowed_next = ma.fields.Function(
        lambda d: allowed_next(d.status),
        metadata={
            "description": "Statuses the device may go to next",
            "type": "array",
            "items": {"type": "string"},
        },
    )
    store_id = ma.fields.Integer(allow_none=True)
    store = ma.fields.Nested(StoreRefSchema, allow_none=True)
    open_placement_id = ma.fields.Method(
        "_placement_id_of",
        metadata={
            "description": "The placement while installed, else null",
            "type": "integer",
            "nullable": True,
        },
    )
    imei = ma.fields.String(allow_none=True)
    iccid = ma.fields.String(allow_none=True)
    phone_number = ma.fields.String(allow_none=True)
    mac_address = ma.fields.String(allow_none=True)
    firmware_version = ma.fields.String(allow_none=True)
    ownership = ma.fields.String(metadata={"enum": OWNERSHIPS})
    acquired_on = ma.fields.Date(allow_none=True)
    cost = ma.fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": "NOK, as a decimal string", "type": "string"},
    )
    warranty_until = ma.fields.Date(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _placement_id_of(self, device) -> int | None:
        # Lists look these up for the whole page at once (vftops.equipment.api).
        if hasattr(device, "_open_placement_id"):
            return device._open_placement_id
        placement = open_placement(device)
        return placement.id if placement is not None else None


class DeviceCreateSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True)
    store_id = ma.fields.Integer(required=True)
    serial_number = ma.fields.String(
        required=True, metadata={"description": "Trimmed, upper-cased, inner spaces removed"}
    )
    imei = optional_text(metadata={"description": "15 digits with a valid check digit"})
    iccid = optional_text(
        metadata={"description": "SIM card number, 18–22 digits starting with 89"}
    )
    phone_number = optional_text()
    mac_address = optional_text()
    firmware_version = optional_text()
    ownership = ma.fields.String(metadata={"enum": OWNERSHIPS})
    acquired_on = ma.fields.Date(allow_none=True)
    cost = ma.fields.Decimal(allow_none=True, metadata={"description": "NOK"})
    warranty_until = ma.fields.Date(allow_none=True)
    reason = optional_text(metadata={"description": "Note for the ledger, e.g. the delivery"})
    shared_serial_ok = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "A serial registered for another product is refused (409) unless "
            "this confirms two manufacturers really use the same number"
        },
    )


class DeviceUpdateSchema(StrictSchema):
    serial_number = ma.fields.String()
    imei = optional_text()
    iccid = optional_text()
    phone_number = optional_text()
    mac_address = optional_text()
    firmware_version = optional_text()
    ownership = ma.fields.String(metadata={"enum": OWNERSHIPS})
    acquired_on = ma.fields.Date(allow_none=True)
    cost = ma.fields.Decimal(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True)
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})
    shared_serial_ok = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "A new serial registered for another product is refused (409) "
            "unless this confirms two manufacturers really use the same number"
        },
    )


class DeviceStatusSchema(StrictSchema):
    to_status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUSES))
    store_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "For in_stock and awaiting_reset; default: the current store"},
    )
    reason = optional_text()
    checklist = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "Ticked checklist keys (awaiting_reset → in_stock)"},
    )
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class DeviceReceiveSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True)
    store_id = ma.fields.Integer(required=True)
    serials = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "One serial per line; blank lines are skipped"},
    )
    reason = optional_text()
    shared_serial_ok = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "A serial registered for another product is refused (422) unless "
            "this confirms two manufacturers really use the same number"
        },
    )


class DeviceQuerySchema(CursorQuerySchema):
    serial = ma.fields.String(
        load_default=None, metadata={"description": "The start or the end of the serial"}
    )
    imei = ma.fields.String(load_default=None, metadata={"description": "The whole IMEI"})
    phone = ma.fields.String(
        load_default=None, metadata={"description": "Part of the SIM's phone number"}
    )
    product_id = ma.fields.Integer(load_default=None)
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CATEGORIES))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))
    store_id = ma.fields.Integer(load_default=None)
    municipality_id = ma.fields.Integer(load_default=None)


class ReceivedDevicesSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DeviceSchema))
    count = ma.fields.Integer()


# --- recipients -----------------------------------------------------------------------


class RecipientListItemSchema(ma.Schema):
    """Minimal personal data: open the recipient (logged) for the rest."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    municipality_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    is_critical = ma.fields.Boolean()


class RelativeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    relation = ma.fields.String(allow_none=True)
    responds_to_alarms = ma.fields.Boolean()


class RecipientSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    postal_code = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    access_note = ma.fields.String(
        allow_none=True, metadata={"description": "Key box, door, dog: what the installer needs"}
    )
    journal_ref = ma.fields.String(allow_none=True)
    decision_ref = ma.fields.String(allow_none=True)
    next_evaluation_on = ma.fields.Date(allow_none=True)
    is_critical = ma.fields.Boolean()
    service_ended_on = ma.fields.Date(allow_none=True)
    anonymised_at = ma.fields.AwareDateTime(allow_none=True)
    relatives = ma.fields.List(ma.fields.Nested(RelativeSchema))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class RelativeInputSchema(StrictSchema):
    name = ma.fields.String(required=True)
    phone = optional_text()
    relation = optional_text()
    responds_to_alarms = ma.fields.Boolean(load_default=False)


class RecipientCreateSchema(StrictSchema):
    municipality_id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(required=True)
    address = optional_text()
    postal_code = optional_text()
    city = optional_text()
    phone = optional_text()
    access_note = optional_text()
    journal_ref = optional_text()
    decision_ref = optional_text()
    next_evaluation_on = ma.fields.Date(allow_none=True)
    is_critical = ma.fields.Boolean()
    relatives = ma.fields.List(ma.fields.Nested(RelativeInputSchema))


class RecipientUpdateSchema(StrictSchema):
    unit_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    address = optional_text()
    postal_code = optional_text()
    city = optional_text()
    phone = optional_text()
    access_note = optional_text()
    journal_ref = optional_text()
    decision_ref = optional_text()
    next_evaluation_on = ma.fields.Date(allow_none=True)
    is_critical = ma.fields.Boolean()
    service_ended_on = ma.fields.Date(allow_none=True)
    relatives = ma.fields.List(
        ma.fields.Nested(RelativeInputSchema),
        metadata={"description": "Replaces the whole list when sent"},
    )
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class RecipientQuerySchema(CursorQuerySchema):
    q = ma.fields.String(
        load_default=None, metadata={"description": "Part of the name or journal reference"}
    )
    municipality_id = ma.fields.Integer(load_default=None)
    unit_id = ma.fields.Integer(load_default=None)
    is_critical = ma.fields.Boolean(load_default=None)
    service_ended = ma.fields.Boolean(
        load_default=None, metadata={"description": "true: only those whose service has ended"}
    )


# --- placements -----------------------------------------------------------------------


class PlacementDeviceSchema(ma.Schema):
    id = ma.fields.Integer()
    serial_number = ma.fields.String()
    status = ma.fields.String()
    product = ma.fields.Nested(ProductRefSchema)


class PlacementRecipientSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class PlacementSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    device_id = ma.fields.Integer()
    device = ma.fields.Nested(PlacementDeviceSchema)
    recipient_id = ma.fields.Integer()
    recipient = ma.fields.Nested(PlacementRecipientSchema)
    municipality_id = ma.fields.Integer()
    is_open = ma.fields.Boolean()
    installed_at = ma.fields.AwareDateTime()
    installed_by_id = ma.fields.Integer(allow_none=True)
    config_note = ma.fields.String(allow_none=True)
    config_settings = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    training_note = ma.fields.String(allow_none=True)
    follow_up_on = ma.fields.Date(allow_none=True)
    returned_at = ma.fields.AwareDateTime(allow_none=True)
    returned_by_id = ma.fields.Integer(allow_none=True)
    return_reason = ma.fields.String(allow_none=True, metadata={"enum": RETURN_REASONS})
    return_checklist = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Boolean())
    replaces_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The placement this one replaced"}
    )
    created_at = ma.fields.AwareDateTime()


class InstallSchema(StrictSchema):
    device_id = ma.fields.Integer(required=True, metadata={"description": "A device in stock"})
    recipient_id = ma.fields.Integer(required=True)
    installed_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Default now"})
    config_note = optional_text(
        metadata={"description": "Deviations from the standard configuration"}
    )
    config_settings = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), allow_none=True
    )
    training_note = optional_text()
    follow_up_on = ma.fields.Date(allow_none=True)
    confirmed = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "An install at someone whose service has ended, or who already has "
            "a device of the same kind, answers 409 with details.warnings until confirmed"
        },
    )
    visit_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The planned job this is done from: it is marked done too"},
    )


class ReturnSchema(StrictSchema):
    reason = ma.fields.String(required=True, metadata={"enum": RETURN_REASONS})
    destination = ma.fields.String(required=True, metadata={"enum": DESTINATIONS})
    store_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Needed when destination is store"}
    )
    checklist = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "Ticked checklist keys; all ticked → in_stock, else awaiting_reset"
        },
    )
    note = optional_text()
    returned_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Default now"})
    visit_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The planned job this is done from: it is marked done too"},
    )


def _replacement_destination(value: str) -> None:
    if value not in (Destination.REPAIR, Destination.STORE):
        raise ma.ValidationError(_("Choose where the device goes."))


class ReplaceSchema(StrictSchema):
    replacement_device_id = ma.fields.Integer(
        required=True, metadata={"description": "A device in stock of the same category"}
    )
    destination = ma.fields.String(
        load_default=Destination.REPAIR,
        validate=_replacement_destination,
        metadata={"description": "Where the faulty device goes", "enum": ["repair", "store"]},
    )
    store_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Needed when destination is store"}
    )
    reason = ma.fields.String(
        load_default=ReturnReason.FAULTY.value, metadata={"enum": RETURN_REASONS}
    )
    note = optional_text()
    visit_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The planned job this is done from: it is marked done too"},
    )


class PlacementQuerySchema(CursorQuerySchema):
    device_id = ma.fields.Integer(load_default=None)
    recipient_id = ma.fields.Integer(load_default=None)
    open = ma.fields.Boolean(
        load_default=None, metadata={"description": "true: installed now; false: returned"}
    )


# --- movements ------------------------------------------------------------------------


class MovementSchema(ma.Schema):
    id = ma.fields.Integer()
    device_id = ma.fields.Integer()
    municipality_id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.Function(
        lambda m: m.actor.full_name if m.actor else None,
        metadata={"type": "string", "nullable": True},
    )
    kind = ma.fields.String(metadata={"enum": MOVEMENT_KINDS})
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    from_store_id = ma.fields.Integer(allow_none=True)
    to_store_id = ma.fields.Integer(allow_none=True)
    placement_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class MovementQuerySchema(CursorQuerySchema):
    device_id = ma.fields.Integer(load_default=None)
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(MOVEMENT_KINDS))
    placement_id = ma.fields.Integer(load_default=None)


ProductPageSchema = list_envelope(ProductSchema)
DevicePageSchema = list_envelope(DeviceSchema)
RecipientPageSchema = list_envelope(RecipientListItemSchema)
PlacementPageSchema = list_envelope(PlacementSchema)
MovementPageSchema = list_envelope(MovementSchema)
