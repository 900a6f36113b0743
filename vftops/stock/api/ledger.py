"""The consumable ledger: receiving, issuing and adjusting consumables."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.web import actor
from vftops.equipment.models import Product, Recipient, Store
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.models import StockMovement
from vftops.stock.permissions import STOCK_MANAGE, STOCK_VIEW
from vftops.stock.schemas import (
    AdjustConsumablesSchema,
    IssueConsumablesSchema,
    MovementResultSchema,
    ReceiveConsumablesSchema,
    StockMovementPageSchema,
    StockMovementQuerySchema,
)

from .common import (
    optional_colleague,
    stock_movements_blp,
)

# --- consumable ledger ------------------------------------------------------------------

_STOCK_MOVEMENT_LOADS = (
    joinedload(StockMovement.store),
    joinedload(StockMovement.product),
    joinedload(StockMovement.actor),
)


@stock_movements_blp.route("")
class StockMovements(MethodView):
    @require(STOCK_VIEW)
    @stock_movements_blp.arguments(StockMovementQuerySchema, location="query")
    @stock_movements_blp.response(200, StockMovementPageSchema)
    def get(self, args):
        """The consumable ledger of the stores you may use, newest first."""
        stmt = queries.stock_movement_list(
            current_user,
            store_id=args["store_id"],
            product_id=args["product_id"],
            kind=args["kind"],
            options=_STOCK_MOVEMENT_LOADS,
        )
        return cursor_page(
            stmt, StockMovement.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )


def _result(movement: StockMovement | None, store: Store, product: Product):
    if movement is None:
        return {"movement": None, "balance": ops.balance(store, product)}, 200
    return {"movement": movement, "balance": movement.balance_after}, 201


@stock_movements_blp.route("/receive")
class ConsumablesReceive(MethodView):
    @require(STOCK_MANAGE)
    @stock_movements_blp.arguments(
        ReceiveConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "quantity": 24, "reason": "Pakkseddel 88123"},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.errors(404, 409)
    def post(self, data):
        """Consumables arrive in a store: the ledger line and the new balance.

        An archived store takes nothing (409).
        """
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        movement = ops.receive_consumables(
            actor(), store, product, data["quantity"], reason=data.get("reason")
        )
        return _result(movement, store, product)


@stock_movements_blp.route("/issue")
class ConsumablesIssue(MethodView):
    @require(STOCK_MANAGE)
    @stock_movements_blp.arguments(
        IssueConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "quantity": 2, "recipient_id": 12},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.errors(404, 409)
    def post(self, data):
        """Take consumables out, to a recipient's equipment, a colleague or for a reason.

        More than the store holds answers 409 with `details` = {available, wanted}
        and changes nothing; two people taking the last one at once get one 201
        and one 409.
        """
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        movement = ops.issue_consumables(
            actor(),
            store,
            product,
            data["quantity"],
            reason=data.get("reason"),
            recipient=optional_scoped_or_404(Recipient, data.get("recipient_id"), current_user),
            issued_to=optional_colleague(data.get("issued_to_id"), store),
        )
        return _result(movement, store, product)


@stock_movements_blp.route("/adjust")
class ConsumablesAdjust(MethodView):
    @require(STOCK_MANAGE)
    @stock_movements_blp.arguments(
        AdjustConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "counted": 18, "reason": "Telt opp hylla"},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.alt_response(
        200, schema=MovementResultSchema, description="Already so: no ledger line"
    )
    @stock_movements_blp.errors(404)
    def post(self, data):
        """Set a consumable's quantity to what was counted on the shelf (reason required)."""
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        movement = ops.adjust_consumables(
            actor(), store, product, data["counted"], reason=data.get("reason")
        )
        return _result(movement, store, product)
