"""JSON shape of audit events."""

from __future__ import annotations

import marshmallow as ma

from vftops.core.api import CursorQuerySchema, list_envelope


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_username = ma.fields.Function(lambda e: e.actor.username if e.actor else None)
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.String(allow_none=True)
    municipality_id = ma.fields.Integer(allow_none=True)
    summary = ma.fields.String()
    changes = ma.fields.Dict()


AuditEventPageSchema = list_envelope(AuditEventSchema)


class AuditEventQuerySchema(CursorQuerySchema):
    object_type = ma.fields.String(load_default=None)
    object_id = ma.fields.String(load_default=None)
    actor_id = ma.fields.Integer(load_default=None)
    action = ma.fields.String(
        load_default=None,
        metadata={"description": "Exact action (user.create) or a prefix without dot (user)"},
    )
    date_from = ma.fields.Date(load_default=None, metadata={"description": "Oslo date, inclusive"})
    date_to = ma.fields.Date(load_default=None, metadata={"description": "Oslo date, inclusive"})
