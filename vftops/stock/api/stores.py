"""The stores API."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor
from vftops.equipment.models import Store
from vftops.org.models import Municipality
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.permissions import STOCK_VIEW, STORES_MANAGE
from vftops.stock.schemas import (
    StoreCreateSchema,
    StorePageSchema,
    StoreQuerySchema,
    StoreSchema,
    StoreUpdateSchema,
)

from .common import stores_blp

# --- stores ---------------------------------------------------------------------------

_STORE_LOADS = (
    joinedload(Store.municipality),
    joinedload(Store.responsible),
    selectinload(Store.shared_with),
)


@stores_blp.route("")
class Stores(MethodView):
    @require(STOCK_VIEW)
    @stores_blp.arguments(StoreQuerySchema, location="query")
    @stores_blp.response(200, StorePageSchema)
    def get(self, args):
        """List the stores you may use.

        Your municipalities' own stores and the stores other municipalities share
        with them; archived ones too unless `is_active` is given.
        """
        stmt = queries.store_list(
            current_user,
            municipality_id=args["municipality_id"],
            kind=args["kind"],
            is_active=args["is_active"],
            options=_STORE_LOADS,
        )
        return cursor_page(stmt, Store.id, limit=args["limit"], cursor=args["cursor"])

    @require(STORES_MANAGE)
    @stores_blp.arguments(
        StoreCreateSchema,
        example={
            "municipality_id": 1,
            "name": "Teknikerbil 2",
            "kind": "local",
            "responsible_id": 4,
            "address": "Kjøpmannsgata 12, 7500 Stjørdal",
            "shared_with_ids": [2],
        },
    )
    @stores_blp.response(201, StoreSchema)
    @stores_blp.errors(404, 409)
    def post(self, data):
        """Create a store in one of your municipalities (404 for any other).

        `shared_with_ids` lets other municipalities of yours use it too; a name the
        municipality already has answers 409.
        """
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), current_user)
        return ops.create_store(actor(), municipality, **data)


@stores_blp.route("/<int:store_id>")
class StoreById(MethodView):
    @require(STOCK_VIEW)
    @stores_blp.response(200, StoreSchema)
    @stores_blp.errors(404)
    def get(self, store_id):
        """One store."""
        return get_scoped_or_404(Store, store_id, current_user, options=_STORE_LOADS)

    @require(STORES_MANAGE)
    @stores_blp.arguments(
        StoreUpdateSchema,
        example={"name": "Sentrallager Stjørdal", "address": "Havnegata 3", "version": 2},
    )
    @stores_blp.response(200, StoreSchema)
    @stores_blp.errors(404, 409)
    def patch(self, data, store_id):
        """Rename, re-kind, hand over, share or archive a store.

        Archive with `"is_active": false`: 409 while it still holds stock, with
        `details` = {devices, consumables, transfers, orders}. `shared_with_ids`
        replaces the list: you may add municipalities you work in, and keep those
        it is already shared with.
        """
        store = get_scoped_or_404(Store, store_id, current_user, options=_STORE_LOADS)
        expected = data.pop("version", None)
        return ops.update_store(actor(), store, expected_version=expected, **data)
