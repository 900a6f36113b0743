"""Transfers between stores."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from vftops.core.errors import DomainError
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor
from vftops.equipment.models import Product, Store
from vftops.stock import operations as ops
from vftops.stock.models import Transfer
from vftops.stock.permissions import STOCK_MANAGE, STOCK_VIEW
from vftops.stock.queries import (
    landing_store_or_404,
    transfer_or_404,
    transfers_for,
)
from vftops.stock.schemas import (
    TransferActionSchema,
    TransferCreateSchema,
    TransferPageSchema,
    TransferQuerySchema,
    TransferSchema,
)

from .common import transfers_blp

# --- transfers --------------------------------------------------------------------------


@transfers_blp.route("")
class Transfers(MethodView):
    @require(STOCK_VIEW)
    @transfers_blp.arguments(TransferQuerySchema, location="query")
    @transfers_blp.response(200, TransferPageSchema)
    def get(self, args):
        """Transfers from or to the stores you may use, newest first."""
        stmt = transfers_for(current_user, status=args["status"], store_id=args["store_id"])
        return cursor_page(
            stmt, Transfer.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(STOCK_MANAGE)
    @transfers_blp.arguments(
        TransferCreateSchema,
        example={
            "from_store_id": 1,
            "to_store_id": 2,
            "serials": ["TA-100234", "TA-100235"],
            "quantities": [{"product_id": 7, "quantity": 10}],
            "note": "Til teknikerbilen",
        },
    )
    @transfers_blp.response(201, TransferSchema)
    @transfers_blp.errors(404, 409)
    def post(self, data):
        """Send scanned devices and counted consumables to another store: every line or none.

        Until received the devices are `in_transit`, in neither store's count.
        A serial that is not on the sending store's shelf is named in
        `fields.serials` (422); an archived store answers 409; a consumable
        quantity that the store does not hold answers 409 with `details`.
        """
        from_store = get_scoped_or_404(Store, data["from_store_id"], current_user)
        to_store = get_scoped_or_404(Store, data["to_store_id"], current_user)
        quantities = [
            (get_scoped_or_404(Product, q["product_id"], current_user), q["quantity"])
            for q in data["quantities"]
        ]
        try:
            return ops.send_transfer(
                actor(),
                from_store,
                to_store,
                serials=data["serials"],
                quantities=quantities,
                note=data.get("note"),
            )
        except DomainError as exc:
            raise exc.renamed(
                {f"quantity-{p.id}": f"quantities.{i}" for i, (p, _q) in enumerate(quantities)}
            ) from None


@transfers_blp.route("/<int:transfer_id>")
class TransferById(MethodView):
    @require(STOCK_VIEW)
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.errors(404)
    def get(self, transfer_id):
        """One transfer with its lines."""
        return transfer_or_404(transfer_id, current_user)


@transfers_blp.route("/<int:transfer_id>/receive")
class TransferReceive(MethodView):
    @require(STOCK_MANAGE)
    @transfers_blp.arguments(TransferActionSchema, example={"version": 1})
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.errors(404, 409)
    def post(self, data, transfer_id):
        """Everything arrived: the lines go onto the receiving store's shelf.

        Only for those who may use the receiving store (404 otherwise); 409 if it is
        already received or cancelled (`details.status`).
        """
        transfer = transfer_or_404(transfer_id, current_user)
        landing_store_or_404(transfer, current_user, receiving=True)
        return ops.receive_transfer(actor(), transfer, expected_version=data.get("version"))


@transfers_blp.route("/<int:transfer_id>/cancel")
class TransferCancel(MethodView):
    @require(STOCK_MANAGE)
    @transfers_blp.arguments(TransferActionSchema, example={"version": 1})
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.errors(404, 409)
    def post(self, data, transfer_id):
        """Call a transfer back: everything returns to the sending store.

        Only for those who may use the sending store (404 otherwise); 409 if it is
        already received or cancelled (`details.status`).
        """
        transfer = transfer_or_404(transfer_id, current_user)
        landing_store_or_404(transfer, current_user, receiving=False)
        return ops.cancel_transfer(actor(), transfer, expected_version=data.get("version"))
