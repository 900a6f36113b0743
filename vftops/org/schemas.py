"""JSON shapes of municipalities and units."""

from __future__ import annotations

import marshmallow as ma

from vftops.core.api import CursorQuerySchema, StrictSchema, list_envelope
from vftops.org.models import UnitKind

UNIT_KINDS = [k.value for k in UnitKind]


class MunicipalitySchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String()
    number = ma.fields.String(metadata={"description": "Kommunenummer, four digits"})
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class MunicipalityCreateSchema(StrictSchema):
    name = ma.fields.String(required=True)
    number = ma.fields.String(required=True)


class MunicipalityUpdateSchema(StrictSchema):
    name = ma.fields.String()
    number = ma.fields.String()
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer()


class MunicipalityQuerySchema(CursorQuerySchema):
    q = ma.fields.String(load_default=None)
    number = ma.fields.String(load_default=None)


class UnitSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    municipality_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    kind = ma.fields.String()
    is_active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class UnitCreateSchema(StrictSchema):
    municipality_id = ma.fields.Integer(required=True)
    parent_id = ma.fields.Integer(load_default=None, allow_none=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(
        load_default=UnitKind.AVDELING.value, validate=ma.validate.OneOf(UNIT_KINDS)
    )


class UnitUpdateSchema(StrictSchema):
    parent_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    kind = ma.fields.String(validate=ma.validate.OneOf(UNIT_KINDS))
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer()


class UnitQuerySchema(CursorQuerySchema):
    municipality_id = ma.fields.Integer(load_default=None)
    parent_id = ma.fields.Integer(load_default=None)
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(UNIT_KINDS))
    is_active = ma.fields.Boolean(load_default=None)


MunicipalityPageSchema = list_envelope(MunicipalitySchema)
UnitPageSchema = list_envelope(UnitSchema)
