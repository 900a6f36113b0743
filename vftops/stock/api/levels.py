"""Stock levels and minimums."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor
from vftops.equipment.models import Product, Store
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.models import StockMinimum
from vftops.stock.permissions import STOCK_VIEW, STORES_MANAGE
from vftops.stock.queries import (
    levels,
    minimum_or_404,
    shortfalls,
    store_ids_for,
    suggestions,
)
from vftops.stock.schemas import (
    LevelPageSchema,
    LevelQuerySchema,
    StockMinimumPageSchema,
    StockMinimumQuerySchema,
    StockMinimumSchema,
    StockMinimumSetSchema,
    StockMinimumUpdateSchema,
    StoreProductSchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
)

from .common import minimums_blp, offset_page, stock_blp

# --- stock levels -----------------------------------------------------------------------


@stock_blp.route("")
class StockLevels(MethodView):
    @require(STOCK_VIEW)
    @stock_blp.arguments(LevelQuerySchema, location="query")
    @stock_blp.response(200, LevelPageSchema)
    def get(self, args):
        """Stock levels per store and product in the stores you may use.

        Each row counts devices by status (or a consumable's quantity), what is on
        its way by transfer or order, and the minimum and shortfall. Rows are
        ordered by store and product. The levels are computed as a whole, so the
        page is an offset: follow `next_cursor` as with every other list.
        """
        ids = store_ids_for(current_user)
        if args["store_id"] is not None:
            ids = ids.where(Store.id == args["store_id"])
        rows = levels(ids, product_id=args["product_id"], with_minimum_only=args["below_minimum"])
        if args["below_minimum"]:
            # Planned as the board plans them: spare goes to the worst row of all the
            # user's stores first, whatever this page is filtered to.
            planned = {(lv.store.id, lv.product.id): lv for lv in shortfalls(current_user)}
            rows = [planned.get((lv.store.id, lv.product.id), lv) for lv in rows if lv.is_short]
        return offset_page(rows, args["limit"], args["cursor"])


# --- minimums ---------------------------------------------------------------------------

_MINIMUM_LOADS = (joinedload(StockMinimum.store), joinedload(StockMinimum.product))


def _minimum_exists(store: Store, product: Product) -> bool:
    return queries.minimum_row(store, product) is not None


@minimums_blp.route("")
class StockMinimums(MethodView):
    @require(STOCK_VIEW)
    @minimums_blp.arguments(StockMinimumQuerySchema, location="query")
    @minimums_blp.response(200, StockMinimumPageSchema)
    def get(self, args):
        """List minimums in the stores you may use; filter by store and product."""
        stmt = queries.minimum_list(
            current_user,
            store_id=args["store_id"],
            product_id=args["product_id"],
            options=_MINIMUM_LOADS,
        )
        return cursor_page(stmt, StockMinimum.id, limit=args["limit"], cursor=args["cursor"])

    @require(STORES_MANAGE)
    @minimums_blp.arguments(
        StockMinimumSetSchema,
        example={"store_id": 1, "product_id": 3, "minimum": 4, "reorder_target": 10},
    )
    @minimums_blp.response(201, StockMinimumSchema)
    @minimums_blp.alt_response(200, schema=StockMinimumSchema, description="Updated")
    @minimums_blp.errors(404)
    def post(self, data):
        """Set the minimum of a product in a store: created (201) or changed (200).

        `minimum` is a whole number of 0 or more; `reorder_target` at least the
        minimum (null: order up to the minimum). Anything else answers 422 with
        `fields`.
        """
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        existed = _minimum_exists(store, product)
        row = ops.set_minimum(
            actor(),
            store,
            product,
            minimum=data["minimum"],
            reorder_target=data.get("reorder_target"),
            expected_version=data.get("version"),
        )
        return row, 200 if existed else 201


@minimums_blp.route("/<int:minimum_id>")
class StockMinimumById(MethodView):
    @require(STOCK_VIEW)
    @minimums_blp.response(200, StockMinimumSchema)
    @minimums_blp.errors(404)
    def get(self, minimum_id):
        """One minimum."""
        return minimum_or_404(minimum_id, current_user)

    @require(STORES_MANAGE)
    @minimums_blp.arguments(
        StockMinimumUpdateSchema, example={"minimum": 6, "reorder_target": 12, "version": 1}
    )
    @minimums_blp.response(200, StockMinimumSchema)
    @minimums_blp.errors(404, 409)
    def patch(self, data, minimum_id):
        """Change the minimum or the reorder target (`reorder_target: null` clears it)."""
        row = minimum_or_404(minimum_id, current_user)
        return ops.set_minimum(
            actor(),
            row.store,
            row.product,
            minimum=data.get("minimum", row.minimum),
            reorder_target=data.get("reorder_target", row.reorder_target),
            expected_version=data.get("version"),
        )

    @require(STORES_MANAGE)
    @minimums_blp.response(204)
    @minimums_blp.errors(404)
    def delete(self, minimum_id):
        """Remove a minimum: the product is no longer watched in that store."""
        ops.delete_minimum(actor(), minimum_or_404(minimum_id, current_user))


@minimums_blp.route("/suggestions")
class Suggestions(MethodView):
    @require(STOCK_VIEW)
    @minimums_blp.arguments(SuggestionQuerySchema, location="query")
    @minimums_blp.response(200, SuggestionListSchema)
    @minimums_blp.errors(404)
    def get(self, args):
        """Suggested minimums for a store, with the figures each is computed from.

        For every product the store has devices installed from: the installed
        base, failures in the last 12 months, the supplier's lead time, the
        failures expected during it and a 95 % safety margin.
        """
        store = get_scoped_or_404(Store, args["store_id"], current_user)
        if args["product_id"] is not None:
            get_scoped_or_404(Product, args["product_id"], current_user)
        found = suggestions(store, product_id=args["product_id"])
        current = queries.minimums_by_product(store)
        items = []
        for suggestion in sorted(found.values(), key=lambda s: s.product.name):
            row = current.get(suggestion.product.id)
            items.append(
                {
                    "product": suggestion.product,
                    **suggestion.inputs(),
                    "lead_time_is_default": suggestion.lead_time_is_default,
                    "minimum": row.minimum if row is not None else None,
                    "minimum_id": row.id if row is not None else None,
                }
            )
        return {"store": store, "items": items}


@minimums_blp.route("/suggestions/accept")
class SuggestionAccept(MethodView):
    @require(STORES_MANAGE)
    @minimums_blp.arguments(StoreProductSchema, example={"store_id": 1, "product_id": 3})
    @minimums_blp.response(201, StockMinimumSchema)
    @minimums_blp.alt_response(200, schema=StockMinimumSchema, description="Updated")
    @minimums_blp.errors(404)
    def post(self, data):
        """Make the suggested minimum the store's minimum; its inputs go to the audit log."""
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        existed = _minimum_exists(store, product)
        row = ops.accept_suggestion(actor(), store, product)
        return row, 200 if existed else 201
