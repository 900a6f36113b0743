"""JSON shapes of users."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from vftops.core.api import CursorQuerySchema, StrictSchema, list_envelope
from vftops.core.permissions import Role
from vftops.core.scope import municipality_ids

ROLE_VALUES = [r.value for r in Role]


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    locale = ma.fields.String()
    is_active = ma.fields.Boolean(attribute="is_active_user")
    roles = ma.fields.Method("_roles")
    municipality_ids = ma.fields.Method("_municipalities")
    unit_ids = ma.fields.Method("_units")
    last_login_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()

    def _roles(self, user) -> list[str]:
        return sorted(r.role for r in user.role_rows)

    # Only the memberships the reader can see: another municipality's
    # organisation is not revealed through a shared colleague.
    def _municipalities(self, user) -> list[int]:
        visible = municipality_ids(current_user)
        return sorted(m.municipality_id for m in user.memberships if m.municipality_id in visible)

    def _units(self, user) -> list[int]:
        visible = municipality_ids(current_user)
        return sorted(m.unit_id for m in user.unit_memberships if m.unit.municipality_id in visible)


UserPageSchema = list_envelope(UserSchema)


class UserCreateSchema(StrictSchema):
    username = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)
    email = ma.fields.Email(load_default=None, allow_none=True)
    password = ma.fields.String(required=True, load_only=True)
    locale = ma.fields.String(load_default="nb", validate=ma.validate.OneOf(["nb", "en"]))
    roles = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(ROLE_VALUES)), load_default=list
    )
    municipality_ids = ma.fields.List(ma.fields.Integer(), load_default=list)
    unit_ids = ma.fields.List(ma.fields.Integer(), load_default=list)


class UserUpdateSchema(StrictSchema):
    """PATCH: only the fields sent change. `version` guards against lost updates."""

    full_name = ma.fields.String()
    email = ma.fields.Email(allow_none=True)
    locale = ma.fields.String(validate=ma.validate.OneOf(["nb", "en"]))
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_VALUES)))
    municipality_ids = ma.fields.List(ma.fields.Integer())
    unit_ids = ma.fields.List(ma.fields.Integer())
    is_active = ma.fields.Boolean()
    version = ma.fields.Integer()


class UserQuerySchema(CursorQuerySchema):
    q = ma.fields.String(load_default=None, metadata={"description": "Part of name or username"})
    role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(ROLE_VALUES))
    status = ma.fields.String(
        load_default="active", validate=ma.validate.OneOf(["active", "inactive", "all"])
    )
    municipality_id = ma.fields.Integer(load_default=None)
