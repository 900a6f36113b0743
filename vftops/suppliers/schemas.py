"""JSON shapes of suppliers. Input schemas reject unknown fields; the operations check the
rest with the same translated messages as the pages."""

from __future__ import annotations

import marshmallow as ma

from vftops.core.api import (
    CursorQuerySchema,
    StrictSchema,
    TypedNumber,
    list_envelope,
    optional_text,
)


def _days_input(**metadata):
    return TypedNumber(allow_none=True, metadata={"type": "integer", "minimum": 1, **metadata})


class SupplierRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class SupplierSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    org_number = ma.fields.String(
        allow_none=True, metadata={"description": "Organisasjonsnummer, nine digits"}
    )
    support_phone = ma.fields.String(allow_none=True)
    support_email = ma.fields.String(allow_none=True)
    order_email = ma.fields.String(
        allow_none=True,
        metadata={"description": "Where purchase orders are e-mailed; null: orders are printed"},
    )
    support_hours = ma.fields.String(
        allow_none=True, metadata={"description": "When support answers, e.g. hverdager 08–16"}
    )
    out_of_hours_note = ma.fields.String(
        allow_none=True,
        metadata={"description": "Outside the hours: on-call number, extra cost …"},
    )
    lead_time_days = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "Days from order to delivery; null: the default lead time"},
    )
    notes = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


LEAD_TIME = "Days from order to delivery, a whole number of 1 or more; null clears it"


class SupplierCreateSchema(StrictSchema):
    name = ma.fields.String(required=True)
    org_number = optional_text(metadata={"description": "Nine digits"})
    support_phone = optional_text()
    support_email = ma.fields.Email(allow_none=True)
    order_email = ma.fields.Email(allow_none=True)
    support_hours = optional_text(validate=ma.validate.Length(max=120))
    out_of_hours_note = optional_text(validate=ma.validate.Length(max=200))
    lead_time_days = _days_input(description=LEAD_TIME)
    notes = optional_text()


class SupplierUpdateSchema(StrictSchema):
    name = ma.fields.String()
    org_number = optional_text()
    support_phone = optional_text()
    support_email = ma.fields.Email(allow_none=True)
    order_email = ma.fields.Email(allow_none=True)
    support_hours = optional_text(validate=ma.validate.Length(max=120))
    out_of_hours_note = optional_text(validate=ma.validate.Length(max=200))
    lead_time_days = _days_input(description=LEAD_TIME)
    notes = optional_text()
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class SupplierQuerySchema(CursorQuerySchema):
    q = ma.fields.String(load_default=None, metadata={"description": "Part of the name"})
    is_active = ma.fields.Boolean(load_default=None)


SupplierPageSchema = list_envelope(SupplierSchema)
