"""`/api/v1/municipalities` and `/api/v1/units`."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from vftops.core.api import ApiBlueprint
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.org import operations as ops
from vftops.org import queries
from vftops.org.models import Municipality, Unit
from vftops.org.permissions import ORG_MANAGE, ORG_VIEW
from vftops.org.schemas import (
    MunicipalityCreateSchema,
    MunicipalityPageSchema,
    MunicipalityQuerySchema,
    MunicipalitySchema,
    MunicipalityUpdateSchema,
    UnitCreateSchema,
    UnitPageSchema,
    UnitQuerySchema,
    UnitSchema,
    UnitUpdateSchema,
)

municipalities_blp = ApiBlueprint(
    "municipalities",
    __name__,
    url_prefix="/api/v1/municipalities",
    description="Municipalities (tenants) you are a member of",
)
units_blp = ApiBlueprint(
    "units", __name__, url_prefix="/api/v1/units", description="Units inside municipalities"
)
blueprints = (municipalities_blp, units_blp)


@municipalities_blp.route("")
class Municipalities(MethodView):
    @require(ORG_VIEW)
    @municipalities_blp.arguments(MunicipalityQuerySchema, location="query")
    @municipalities_blp.response(200, MunicipalityPageSchema)
    def get(self, args):
        """List your municipalities."""
        stmt = queries.municipality_list(current_user, q=args["q"], number=args["number"])
        return cursor_page(stmt, Municipality.id, limit=args["limit"], cursor=args["cursor"])

    @require(ORG_MANAGE)
    @municipalities_blp.arguments(MunicipalityCreateSchema)
    @municipalities_blp.response(201, MunicipalitySchema)
    @municipalities_blp.errors(409)
    def post(self, data):
        """Register a municipality; you become a member of it."""
        return ops.create_municipality(current_user._get_current_object(), **data)


@municipalities_blp.route("/<int:municipality_id>")
class MunicipalityById(MethodView):
    @require(ORG_VIEW)
    @municipalities_blp.response(200, MunicipalitySchema)
    def get(self, municipality_id):
        """One municipality."""
        return get_scoped_or_404(Municipality, municipality_id, current_user)

    @require(ORG_MANAGE)
    @municipalities_blp.arguments(MunicipalityUpdateSchema)
    @municipalities_blp.response(200, MunicipalitySchema)
    @municipalities_blp.errors(404, 409)
    def patch(self, data, municipality_id):
        """Change name, number or active flag."""
        municipality = get_scoped_or_404(Municipality, municipality_id, current_user)
        return ops.update_municipality(
            current_user._get_current_object(),
            municipality,
            name=data.get("name", municipality.name),
            number=data.get("number", municipality.number),
            is_active=data.get("is_active", municipality.is_active),
            expected_version=data.get("version"),
        )


@units_blp.route("")
class Units(MethodView):
    @require(ORG_VIEW)
    @units_blp.arguments(UnitQuerySchema, location="query")
    @units_blp.response(200, UnitPageSchema)
    def get(self, args):
        """List units in your municipalities."""
        stmt = queries.unit_list(
            current_user,
            municipality_id=args["municipality_id"],
            parent_id=args["parent_id"],
            kind=args["kind"],
            is_active=args["is_active"],
        )
        return cursor_page(stmt, Unit.id, limit=args["limit"], cursor=args["cursor"])

    @require(ORG_MANAGE)
    @units_blp.arguments(UnitCreateSchema)
    @units_blp.response(201, UnitSchema)
    @units_blp.errors(409)
    def post(self, data):
        """Create a unit."""
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), current_user)
        return ops.create_unit(current_user._get_current_object(), municipality, **data)


@units_blp.route("/<int:unit_id>")
class UnitById(MethodView):
    @require(ORG_VIEW)
    @units_blp.response(200, UnitSchema)
    def get(self, unit_id):
        """One unit."""
        return get_scoped_or_404(Unit, unit_id, current_user)

    @require(ORG_MANAGE)
    @units_blp.arguments(UnitUpdateSchema)
    @units_blp.response(200, UnitSchema)
    @units_blp.errors(404, 409)
    def patch(self, data, unit_id):
        """Rename, move in the tree, change kind or deactivate."""
        unit = get_scoped_or_404(Unit, unit_id, current_user)
        return ops.update_unit(
            current_user._get_current_object(),
            unit,
            name=data.get("name", unit.name),
            kind=data.get("kind", unit.kind),
            parent_id=data.get("parent_id", unit.parent_id),
            is_active=data.get("is_active", unit.is_active),
            expected_version=data.get("version"),
        )
