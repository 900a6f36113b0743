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


CONTACT_ROLES = ("account_manager", "support", "invoicing", "delivery", "security", "other")


class ContactSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    role = ma.fields.String(metadata={"enum": list(CONTACT_ROLES)})
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class ContactCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    role = ma.fields.String(load_default="other", validate=ma.validate.OneOf(CONTACT_ROLES))
    email = optional_text(validate=ma.validate.Length(max=254))
    phone = optional_text(validate=ma.validate.Length(max=30))
    note = optional_text(validate=ma.validate.Length(max=200))


class ContactUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=ma.validate.Length(max=120))
    role = ma.fields.String(validate=ma.validate.OneOf(CONTACT_ROLES))
    email = optional_text(validate=ma.validate.Length(max=254))
    phone = optional_text(validate=ma.validate.Length(max=30))
    note = optional_text(validate=ma.validate.Length(max=200))
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class VersionSchema(StrictSchema):
    version = ma.fields.Integer(
        load_default=None, metadata={"description": "The version you read; 409 if stale"}
    )


class SupplierSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    org_number = ma.fields.String(
        allow_none=True,
        metadata={"description": "Organisasjonsnummer: nine digits, the last a mod-11 check digit"},
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
    street_address = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean()
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema), dump_only=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


LEAD_TIME = "Days from order to delivery, a whole number of 1 or more; null clears it"


class SupplierCreateSchema(StrictSchema):
    name = ma.fields.String(required=True)
    org_number = optional_text(
        metadata={"description": "Nine digits, the last a mod-11 check digit"}
    )
    support_phone = optional_text()
    support_email = ma.fields.Email(allow_none=True)
    order_email = ma.fields.Email(allow_none=True)
    support_hours = optional_text(validate=ma.validate.Length(max=120))
    out_of_hours_note = optional_text(validate=ma.validate.Length(max=200))
    lead_time_days = _days_input(description=LEAD_TIME)
    notes = optional_text()
    street_address = optional_text(validate=ma.validate.Length(max=200))
    postcode = optional_text(metadata={"description": "Four digits"})
    city = optional_text(validate=ma.validate.Length(max=80))


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
    street_address = optional_text(validate=ma.validate.Length(max=200))
    postcode = optional_text(metadata={"description": "Four digits"})
    city = optional_text(validate=ma.validate.Length(max=80))
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer(metadata={"description": "The version you read; 409 if stale"})


class SupplierQuerySchema(CursorQuerySchema):
    q = ma.fields.String(load_default=None, metadata={"description": "Part of the name"})
    is_active = ma.fields.Boolean(load_default=None)


SupplierPageSchema = list_envelope(SupplierSchema)
