"""Purchase orders."""

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
from vftops.stock import queries
from vftops.stock.models import PurchaseOrder
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_MANAGE, STOCK_VIEW
from vftops.stock.queries import (
    order_or_404,
    orders_for,
)
from vftops.stock.schemas import (
    OrderActionSchema,
    OrderCancelSchema,
    OrderCreateSchema,
    OrderQuerySchema,
    OrderReceiveSchema,
    OrderUpdateSchema,
    PurchaseOrderPageSchema,
    PurchaseOrderSchema,
    StoreProductSchema,
)
from vftops.suppliers.models import Supplier

from .common import orders_blp

# --- purchase orders --------------------------------------------------------------------


def _order_lines(lines: list[dict]) -> list[tuple]:
    return [
        (
            get_scoped_or_404(Product, line["product_id"], current_user),
            line["quantity"],
            line.get("unit_price"),
        )
        for line in lines
    ]


def _line_fields(lines) -> dict[str, str]:
    return {f"lines-{i}": f"lines.{i}" for i in range(len(lines))}


@orders_blp.route("")
class PurchaseOrders(MethodView):
    @require(STOCK_VIEW)
    @orders_blp.arguments(OrderQuerySchema, location="query")
    @orders_blp.response(200, PurchaseOrderPageSchema)
    def get(self, args):
        """Orders to the stores you may use, newest first.

        `status=open`: drafts, sent and partly received; `overdue=true`: sent and
        past the expected date.
        """
        stmt = orders_for(
            current_user,
            status=args["status"],
            store_id=args["store_id"],
            overdue=args["overdue"],
            supplier_id=args["supplier_id"],
        )
        return cursor_page(
            stmt, PurchaseOrder.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(ORDERS_MANAGE)
    @orders_blp.arguments(
        OrderCreateSchema,
        example={
            "store_id": 1,
            "supplier_id": 2,
            "expected_on": "2026-12-14",
            "agreement_ref": "RA-2024-017",
            "note": "Levering til varemottaket",
            "lines": [
                {"product_id": 3, "quantity": 10, "unit_price": "2490.00"},
                {"product_id": 7, "quantity": 48},
            ],
        },
    )
    @orders_blp.response(201, PurchaseOrderSchema)
    @orders_blp.errors(404, 409)
    def post(self, data):
        """Draft an order to a supplier, delivered to a store of yours.

        A bad line is named as `fields["lines.<index>"]` (422).
        """
        store = get_scoped_or_404(Store, data.pop("store_id"), current_user)
        supplier = get_scoped_or_404(Supplier, data.pop("supplier_id"), current_user)
        raw_lines = data.pop("lines")
        lines = _order_lines(raw_lines)
        try:
            return ops.create_order(actor(), store, supplier, lines=lines, **data)
        except DomainError as exc:
            raise exc.renamed(_line_fields(raw_lines)) from None


@orders_blp.route("/from-shortfall")
class OrderFromShortfall(MethodView):
    @require(ORDERS_MANAGE)
    @orders_blp.arguments(StoreProductSchema, example={"store_id": 1, "product_id": 3})
    @orders_blp.response(201, PurchaseOrderSchema)
    @orders_blp.alt_response(200, schema=PurchaseOrderSchema, description="Added to the open draft")
    @orders_blp.errors(404, 409)
    def post(self, data):
        """Order what is missing up to the reorder target, from the product's supplier.

        The level's `order_after_transfers`: what is on order or on a transfer to the
        store counts, and so does what other stores can send (`transfer_from`); when
        they can send it all, the answer is 409 with `details.transfer_from`.
        A new draft (201), or a line on the store's open draft to that supplier
        (200). The product needs a supplier (422 otherwise); nothing to order is a 409.
        """
        store = get_scoped_or_404(Store, data["store_id"], current_user)
        product = get_scoped_or_404(Product, data["product_id"], current_user)
        drafts = queries.draft_order_ids(store)
        order = ops.order_shortfall(actor(), store, product)
        return order, 200 if order.id in drafts else 201


@orders_blp.route("/<int:order_id>")
class PurchaseOrderById(MethodView):
    @require(STOCK_VIEW)
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.errors(404)
    def get(self, order_id):
        """One order with its lines and what has been received."""
        return order_or_404(order_id, current_user)

    @require(ORDERS_MANAGE)
    @orders_blp.arguments(
        OrderUpdateSchema,
        example={
            "lines": [{"product_id": 3, "quantity": 12, "unit_price": "2490.00"}],
            "expected_on": "2026-12-18",
            "version": 1,
        },
    )
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.errors(404, 409)
    def patch(self, data, order_id):
        """Change a draft's lines, or an open order's expected date, reference and note.

        `lines` replaces all lines and only on a draft (409 once sent).
        """
        order = order_or_404(order_id, current_user)
        expected = data.pop("version", None)
        raw_lines = data.get("lines")
        if raw_lines is not None:
            data["lines"] = _order_lines(raw_lines)
        try:
            return ops.update_order(actor(), order, expected_version=expected, **data)
        except DomainError as exc:
            raise exc.renamed(_line_fields(raw_lines or [])) from None


@orders_blp.route("/<int:order_id>/send")
class PurchaseOrderSend(MethodView):
    @require(ORDERS_MANAGE)
    @orders_blp.arguments(OrderActionSchema, example={"version": 1})
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.errors(404, 409)
    def post(self, data, order_id):
        """Send a draft; without an expected date it gets today + the supplier's lead time."""
        order = order_or_404(order_id, current_user)
        return ops.send_order(actor(), order, expected_version=data.get("version"))


@orders_blp.route("/<int:order_id>/cancel")
class PurchaseOrderCancel(MethodView):
    @require(ORDERS_MANAGE)
    @orders_blp.arguments(
        OrderCancelSchema, example={"reason": "Leverandøren kan ikke levere", "version": 2}
    )
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.errors(404, 409)
    def post(self, data, order_id):
        """Cancel an order: nothing more will come. A sent order needs a reason."""
        order = order_or_404(order_id, current_user)
        return ops.cancel_order(
            actor(), order, reason=data.get("reason"), expected_version=data.get("version")
        )


@orders_blp.route("/<int:order_id>/receive")
class PurchaseOrderReceive(MethodView):
    @require(STOCK_MANAGE)
    @orders_blp.arguments(
        OrderReceiveSchema,
        example={
            "lines": [
                {"line_id": 11, "serials": ["TA-100301", "TA-100302"]},
                {"line_id": 12, "quantity": 24},
            ],
            "reason": None,
        },
    )
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.errors(404, 409)
    def post(self, data, order_id):
        """Receive (part of) a delivery: scanned serials become devices, quantities are added.

        Every line or none; a bad line is named as `fields["lines.<index>"]`, e.g. a
        serial that is already registered. More than ordered answers 422 with
        `details.over` = {line id: how many more} unless a `reason` is given.
        """
        order = order_or_404(order_id, current_user)
        serials: dict[int, list[str]] = {}
        quantities: dict[int, object] = {}
        names: dict[str, str] = {}
        for index, line in enumerate(data["lines"]):
            names.setdefault(f"line-{line['line_id']}", f"lines.{index}")
            if line.get("serials"):
                serials.setdefault(line["line_id"], []).extend(line["serials"])
            if line.get("quantity") is not None:
                quantities[line["line_id"]] = line["quantity"]
        try:
            ops.receive_order(
                actor(),
                order,
                serials=serials,
                quantities=quantities,
                reason=data.get("reason"),
                expected_version=data.get("version"),
                shared_serial_ok=data["shared_serial_ok"],
            )
        except DomainError as exc:
            raise exc.renamed(names) from None
        return order
