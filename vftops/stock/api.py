"""JSON API for stores, stock levels, minimums, consumables, transfers and purchase orders.

Thin: parse with marshmallow, load objects through the store scope (your
municipalities' stores and those shared with them), call one function in
`vftops.stock.operations`, dump the result. Another municipality's store,
minimum, transfer or order answers 404, also when its id is sent in a body;
a refused change answers the operation's 409/422 with `fields` and `details`.
"""

from __future__ import annotations

import base64
import binascii

from flask import abort, current_app
from flask.views import MethodView
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements.models import Supplier
from vftops.auth.models import User
from vftops.core.api import ApiBlueprint
from vftops.core.errors import DomainError
from vftops.core.pagination import CursorPage, cursor_page
from vftops.core.permissions import Permission, require
from vftops.core.scope import get_scoped_or_404, municipality_ids, scoped
from vftops.core.web import actor
from vftops.equipment.models import Product, Recipient, Store
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock import operations as ops
from vftops.stock.models import OrderStatus, PurchaseOrder, StockMinimum, StockMovement, Transfer
from vftops.stock.queries import (
    landing_store_or_404,
    levels,
    minimum_or_404,
    order_or_404,
    orders_for,
    shortfalls,
    store_ids_for,
    store_or_404,
    suggestions,
    transfer_or_404,
    transfers_for,
)
from vftops.stock.schemas import (
    AdjustConsumablesSchema,
    IssueConsumablesSchema,
    LevelPageSchema,
    LevelQuerySchema,
    MovementResultSchema,
    OrderActionSchema,
    OrderCancelSchema,
    OrderCreateSchema,
    OrderQuerySchema,
    OrderReceiveSchema,
    OrderUpdateSchema,
    PurchaseOrderPageSchema,
    PurchaseOrderSchema,
    ReceiveConsumablesSchema,
    StockMinimumPageSchema,
    StockMinimumQuerySchema,
    StockMinimumSchema,
    StockMinimumSetSchema,
    StockMinimumUpdateSchema,
    StockMovementPageSchema,
    StockMovementQuerySchema,
    StoreCreateSchema,
    StorePageSchema,
    StoreProductSchema,
    StoreQuerySchema,
    StoreSchema,
    StoreUpdateSchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
    TransferActionSchema,
    TransferCreateSchema,
    TransferPageSchema,
    TransferQuerySchema,
    TransferSchema,
)

P = Permission

stores_blp = ApiBlueprint(
    "stores",
    __name__,
    url_prefix="/api/v1/stores",
    description="Stock locations: your municipalities' own and those shared with them",
)
stock_blp = ApiBlueprint(
    "stock_levels",
    __name__,
    url_prefix="/api/v1/stock",
    description="Stock levels per store and product, with minimums and shortfalls",
)
minimums_blp = ApiBlueprint(
    "stock_minimums",
    __name__,
    url_prefix="/api/v1/stock-minimums",
    description="Minimum stock per store and product, and suggested minimums",
)
stock_movements_blp = ApiBlueprint(
    "stock_movements",
    __name__,
    url_prefix="/api/v1/stock-movements",
    description="The append-only ledger of consumables: receive, issue, adjust",
)
transfers_blp = ApiBlueprint(
    "transfers",
    __name__,
    url_prefix="/api/v1/transfers",
    description="Devices and consumables sent from one store to another",
)
orders_blp = ApiBlueprint(
    "purchase_orders",
    __name__,
    url_prefix="/api/v1/purchase-orders",
    description="Call-offs to suppliers: draft, send, receive in parts, cancel",
)
blueprints = (
    stores_blp,
    stock_blp,
    minimums_blp,
    stock_movements_blp,
    transfers_blp,
    orders_blp,
)


def _store(store_id, *, options=()) -> Store:
    """A store you may use, named in the path or the body; otherwise 404."""
    return store_or_404(store_id, current_user, options=options)


def _product(product_id) -> Product:
    """A catalogue row (products belong to no municipality)."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    return product


def _recipient(recipient_id) -> Recipient | None:
    if recipient_id is None:
        return None
    return get_scoped_or_404(Recipient, recipient_id, current_user)


def _colleague(user_id, store: Store) -> User | None:
    """A person who works in a municipality the store serves and that you work in."""
    if user_id is None:
        return None
    shared = municipality_ids(current_user) & store.served_municipality_ids
    user = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.municipality_id.in_(shared))
    ).first()
    if user is None:
        abort(404)
    return user


def _fields_renamed(error: DomainError, names: dict[str, str]) -> None:
    """The operations name fields as the page forms do; clients see their own names."""
    error.fields = {names.get(key, key): value for key, value in error.fields.items()}


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, _, value = text.partition(":")
        offset = int(value)
        if kind != "offset" or offset < 0:
            raise ValueError(kind)
        return offset
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(400, description="cursor")


def _offset_page(rows: list, limit: int | None, cursor: str | None) -> CursorPage:
    """Page an aggregate computed as a whole: the cursor carries the offset."""
    config = current_app.config
    limit = min(max(limit or config["PAGE_SIZE"], 1), config["API_MAX_LIMIT"])
    start = _decode_offset(cursor) if cursor else 0
    end = start + limit
    return CursorPage(
        items=rows[start:end],
        next_cursor=_encode_offset(end) if end < len(rows) else None,
        limit=limit,
    )


# --- stores ---------------------------------------------------------------------------

_STORE_LOADS = (
    joinedload(Store.municipality),
    joinedload(Store.responsible),
    selectinload(Store.shared_with),
)


@stores_blp.route("")
class Stores(MethodView):
    @require(P.STOCK_VIEW)
    @stores_blp.arguments(StoreQuerySchema, location="query")
    @stores_blp.response(200, StorePageSchema)
    def get(self, args):
        """List the stores you may use.

        Your municipalities' own stores and the stores other municipalities share
        with them; archived ones too unless `is_active` is given.
        """
        stmt = scoped(select(Store), Store, current_user).options(*_STORE_LOADS)
        if args["municipality_id"] is not None:
            stmt = stmt.where(Store.scope_clause([args["municipality_id"]]))
        if args["kind"] is not None:
            stmt = stmt.where(Store.kind == args["kind"])
        if args["is_active"] is not None:
            stmt = stmt.where(Store.is_active.is_(args["is_active"]))
        return cursor_page(stmt, Store.id, limit=args["limit"], cursor=args["cursor"])

    @require(P.STORES_MANAGE)
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
    @stores_blp.alt_response(404, response="NOT_FOUND")
    @stores_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Create a store in one of your municipalities (404 for any other).

        `shared_with_ids` lets other municipalities of yours use it too; a name the
        municipality already has answers 409.
        """
        municipality = get_scoped_or_404(Municipality, data.pop("municipality_id"), current_user)
        return ops.create_store(actor(), municipality, **data)


@stores_blp.route("/<int:store_id>")
class StoreById(MethodView):
    @require(P.STOCK_VIEW)
    @stores_blp.response(200, StoreSchema)
    @stores_blp.alt_response(404, response="NOT_FOUND")
    def get(self, store_id):
        """One store."""
        return _store(store_id, options=_STORE_LOADS)

    @require(P.STORES_MANAGE)
    @stores_blp.arguments(
        StoreUpdateSchema,
        example={"name": "Sentrallager Stjørdal", "address": "Havnegata 3", "version": 2},
    )
    @stores_blp.response(200, StoreSchema)
    @stores_blp.alt_response(404, response="NOT_FOUND")
    @stores_blp.alt_response(409, response="CONFLICT")
    def patch(self, data, store_id):
        """Rename, re-kind, hand over, share or archive a store.

        Archive with `"is_active": false`: 409 while it still holds stock, with
        `details` = {devices, consumables, transfers, orders}. `shared_with_ids`
        replaces the list: you may add municipalities you work in, and keep those
        it is already shared with.
        """
        store = _store(store_id, options=_STORE_LOADS)
        expected = data.pop("version", None)
        return ops.update_store(actor(), store, expected_version=expected, **data)


# --- stock levels -----------------------------------------------------------------------


@stock_blp.route("")
class StockLevels(MethodView):
    @require(P.STOCK_VIEW)
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
        return _offset_page(rows, args["limit"], args["cursor"])


# --- minimums ---------------------------------------------------------------------------

_MINIMUM_LOADS = (joinedload(StockMinimum.store), joinedload(StockMinimum.product))


def _minimum_exists(store: Store, product: Product) -> bool:
    return (
        db.session.scalar(
            select(StockMinimum.id).where(
                StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
            )
        )
        is not None
    )


@minimums_blp.route("")
class StockMinimums(MethodView):
    @require(P.STOCK_VIEW)
    @minimums_blp.arguments(StockMinimumQuerySchema, location="query")
    @minimums_blp.response(200, StockMinimumPageSchema)
    def get(self, args):
        """List minimums in the stores you may use; filter by store and product."""
        stmt = (
            select(StockMinimum)
            .where(StockMinimum.store_id.in_(store_ids_for(current_user, active_only=False)))
            .options(*_MINIMUM_LOADS)
        )
        for key in ("store_id", "product_id"):
            if args[key] is not None:
                stmt = stmt.where(getattr(StockMinimum, key) == args[key])
        return cursor_page(stmt, StockMinimum.id, limit=args["limit"], cursor=args["cursor"])

    @require(P.STORES_MANAGE)
    @minimums_blp.arguments(
        StockMinimumSetSchema,
        example={"store_id": 1, "product_id": 3, "minimum": 4, "reorder_target": 10},
    )
    @minimums_blp.response(201, StockMinimumSchema)
    @minimums_blp.alt_response(200, schema=StockMinimumSchema, description="Updated")
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    def post(self, data):
        """Set the minimum of a product in a store: created (201) or changed (200).

        `minimum` is a whole number of 0 or more; `reorder_target` at least the
        minimum (null: order up to the minimum). Anything else answers 422 with
        `fields`.
        """
        store = _store(data["store_id"])
        product = _product(data["product_id"])
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
    @require(P.STOCK_VIEW)
    @minimums_blp.response(200, StockMinimumSchema)
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    def get(self, minimum_id):
        """One minimum."""
        return minimum_or_404(minimum_id, current_user)

    @require(P.STORES_MANAGE)
    @minimums_blp.arguments(
        StockMinimumUpdateSchema, example={"minimum": 6, "reorder_target": 12, "version": 1}
    )
    @minimums_blp.response(200, StockMinimumSchema)
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    @minimums_blp.alt_response(409, response="CONFLICT")
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

    @require(P.STORES_MANAGE)
    @minimums_blp.response(204)
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    def delete(self, minimum_id):
        """Remove a minimum: the product is no longer watched in that store."""
        ops.delete_minimum(actor(), minimum_or_404(minimum_id, current_user))


@minimums_blp.route("/suggestions")
class Suggestions(MethodView):
    @require(P.STOCK_VIEW)
    @minimums_blp.arguments(SuggestionQuerySchema, location="query")
    @minimums_blp.response(200, SuggestionListSchema)
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """Suggested minimums for a store, with the figures each is computed from.

        For every product the store has devices installed from: the installed
        base, failures in the last 12 months, the supplier's lead time, the
        failures expected during it and a 95 % safety margin.
        """
        store = _store(args["store_id"])
        if args["product_id"] is not None:
            _product(args["product_id"])
        found = suggestions(store, product_id=args["product_id"])
        current = {
            row.product_id: row
            for row in db.session.scalars(
                select(StockMinimum).where(StockMinimum.store_id == store.id)
            )
        }
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
    @require(P.STORES_MANAGE)
    @minimums_blp.arguments(StoreProductSchema, example={"store_id": 1, "product_id": 3})
    @minimums_blp.response(201, StockMinimumSchema)
    @minimums_blp.alt_response(200, schema=StockMinimumSchema, description="Updated")
    @minimums_blp.alt_response(404, response="NOT_FOUND")
    def post(self, data):
        """Make the suggested minimum the store's minimum; its inputs go to the audit log."""
        store = _store(data["store_id"])
        product = _product(data["product_id"])
        existed = _minimum_exists(store, product)
        row = ops.accept_suggestion(actor(), store, product)
        return row, 200 if existed else 201


# --- consumable ledger ------------------------------------------------------------------

_STOCK_MOVEMENT_LOADS = (
    joinedload(StockMovement.store),
    joinedload(StockMovement.product),
    joinedload(StockMovement.actor),
)


@stock_movements_blp.route("")
class StockMovements(MethodView):
    @require(P.STOCK_VIEW)
    @stock_movements_blp.arguments(StockMovementQuerySchema, location="query")
    @stock_movements_blp.response(200, StockMovementPageSchema)
    def get(self, args):
        """The consumable ledger of the stores you may use, newest first."""
        stmt = (
            select(StockMovement)
            .where(StockMovement.store_id.in_(store_ids_for(current_user, active_only=False)))
            .options(*_STOCK_MOVEMENT_LOADS)
        )
        for key in ("store_id", "product_id", "kind"):
            if args[key] is not None:
                stmt = stmt.where(getattr(StockMovement, key) == args[key])
        return cursor_page(
            stmt, StockMovement.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )


def _result(movement: StockMovement | None, store: Store, product: Product):
    if movement is None:
        return {"movement": None, "balance": ops.balance(store, product)}, 200
    return {"movement": movement, "balance": movement.balance_after}, 201


@stock_movements_blp.route("/receive")
class ConsumablesReceive(MethodView):
    @require(P.STOCK_MANAGE)
    @stock_movements_blp.arguments(
        ReceiveConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "quantity": 24, "reason": "Pakkseddel 88123"},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.alt_response(404, response="NOT_FOUND")
    @stock_movements_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Consumables arrive in a store: the ledger line and the new balance.

        An archived store takes nothing (409).
        """
        store = _store(data["store_id"])
        product = _product(data["product_id"])
        movement = ops.receive_consumables(
            actor(), store, product, data["quantity"], reason=data.get("reason")
        )
        return _result(movement, store, product)


@stock_movements_blp.route("/issue")
class ConsumablesIssue(MethodView):
    @require(P.STOCK_MANAGE)
    @stock_movements_blp.arguments(
        IssueConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "quantity": 2, "recipient_id": 12},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.alt_response(404, response="NOT_FOUND")
    @stock_movements_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Take consumables out, to a recipient's equipment, a colleague or for a reason.

        More than the store holds answers 409 with `details` = {available, wanted}
        and changes nothing; two people taking the last one at once get one 201
        and one 409.
        """
        store = _store(data["store_id"])
        product = _product(data["product_id"])
        movement = ops.issue_consumables(
            actor(),
            store,
            product,
            data["quantity"],
            reason=data.get("reason"),
            recipient=_recipient(data.get("recipient_id")),
            issued_to=_colleague(data.get("issued_to_id"), store),
        )
        return _result(movement, store, product)


@stock_movements_blp.route("/adjust")
class ConsumablesAdjust(MethodView):
    @require(P.STOCK_MANAGE)
    @stock_movements_blp.arguments(
        AdjustConsumablesSchema,
        example={"store_id": 1, "product_id": 7, "counted": 18, "reason": "Telt opp hylla"},
    )
    @stock_movements_blp.response(201, MovementResultSchema)
    @stock_movements_blp.alt_response(
        200, schema=MovementResultSchema, description="Already so: no ledger line"
    )
    @stock_movements_blp.alt_response(404, response="NOT_FOUND")
    def post(self, data):
        """Set a consumable's quantity to what was counted on the shelf (reason required)."""
        store = _store(data["store_id"])
        product = _product(data["product_id"])
        movement = ops.adjust_consumables(
            actor(), store, product, data["counted"], reason=data.get("reason")
        )
        return _result(movement, store, product)


# --- transfers --------------------------------------------------------------------------


@transfers_blp.route("")
class Transfers(MethodView):
    @require(P.STOCK_VIEW)
    @transfers_blp.arguments(TransferQuerySchema, location="query")
    @transfers_blp.response(200, TransferPageSchema)
    def get(self, args):
        """Transfers from or to the stores you may use, newest first."""
        stmt = transfers_for(current_user, status=args["status"], store_id=args["store_id"])
        return cursor_page(
            stmt, Transfer.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(P.STOCK_MANAGE)
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
    @transfers_blp.alt_response(404, response="NOT_FOUND")
    @transfers_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Send scanned devices and counted consumables to another store: every line or none.

        Until received the devices are `in_transit`, in neither store's count.
        A serial that is not on the sending store's shelf is named in
        `fields.serials` (422); an archived store answers 409; a consumable
        quantity that the store does not hold answers 409 with `details`.
        """
        from_store = _store(data["from_store_id"])
        to_store = _store(data["to_store_id"])
        quantities = [(_product(q["product_id"]), q["quantity"]) for q in data["quantities"]]
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
            _fields_renamed(
                exc,
                {f"quantity-{p.id}": f"quantities.{i}" for i, (p, _q) in enumerate(quantities)},
            )
            raise


@transfers_blp.route("/<int:transfer_id>")
class TransferById(MethodView):
    @require(P.STOCK_VIEW)
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.alt_response(404, response="NOT_FOUND")
    def get(self, transfer_id):
        """One transfer with its lines."""
        return transfer_or_404(transfer_id, current_user)


@transfers_blp.route("/<int:transfer_id>/receive")
class TransferReceive(MethodView):
    @require(P.STOCK_MANAGE)
    @transfers_blp.arguments(TransferActionSchema, example={"version": 1})
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.alt_response(404, response="NOT_FOUND")
    @transfers_blp.alt_response(409, response="CONFLICT")
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
    @require(P.STOCK_MANAGE)
    @transfers_blp.arguments(TransferActionSchema, example={"version": 1})
    @transfers_blp.response(200, TransferSchema)
    @transfers_blp.alt_response(404, response="NOT_FOUND")
    @transfers_blp.alt_response(409, response="CONFLICT")
    def post(self, data, transfer_id):
        """Call a transfer back: everything returns to the sending store.

        Only for those who may use the sending store (404 otherwise); 409 if it is
        already received or cancelled (`details.status`).
        """
        transfer = transfer_or_404(transfer_id, current_user)
        landing_store_or_404(transfer, current_user, receiving=False)
        return ops.cancel_transfer(actor(), transfer, expected_version=data.get("version"))


# --- purchase orders --------------------------------------------------------------------


def _supplier(supplier_id) -> Supplier:
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    return supplier


def _order_lines(lines: list[dict]) -> list[tuple]:
    return [
        (_product(line["product_id"]), line["quantity"], line.get("unit_price")) for line in lines
    ]


def _line_fields(lines) -> dict[str, str]:
    return {f"lines-{i}": f"lines.{i}" for i in range(len(lines))}


@orders_blp.route("")
class PurchaseOrders(MethodView):
    @require(P.STOCK_VIEW)
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
        )
        if args["supplier_id"] is not None:
            stmt = stmt.where(PurchaseOrder.supplier_id == args["supplier_id"])
        return cursor_page(
            stmt, PurchaseOrder.id, limit=args["limit"], cursor=args["cursor"], descending=True
        )

    @require(P.ORDERS_MANAGE)
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
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Draft an order to a supplier, delivered to a store of yours.

        A bad line is named as `fields["lines.<index>"]` (422).
        """
        store = _store(data.pop("store_id"))
        supplier = _supplier(data.pop("supplier_id"))
        raw_lines = data.pop("lines")
        lines = _order_lines(raw_lines)
        try:
            return ops.create_order(actor(), store, supplier, lines=lines, **data)
        except DomainError as exc:
            _fields_renamed(exc, _line_fields(raw_lines))
            raise


@orders_blp.route("/from-shortfall")
class OrderFromShortfall(MethodView):
    @require(P.ORDERS_MANAGE)
    @orders_blp.arguments(StoreProductSchema, example={"store_id": 1, "product_id": 3})
    @orders_blp.response(201, PurchaseOrderSchema)
    @orders_blp.alt_response(200, schema=PurchaseOrderSchema, description="Added to the open draft")
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Order what is missing up to the reorder target, from the product's supplier.

        The level's `order_after_transfers`: what is on order or on a transfer to the
        store counts, and so does what other stores can send (`transfer_from`); when
        they can send it all, the answer is 409 with `details.transfer_from`.
        A new draft (201), or a line on the store's open draft to that supplier
        (200). The product needs a supplier (422 otherwise); nothing to order is a 409.
        """
        store = _store(data["store_id"])
        product = _product(data["product_id"])
        drafts = set(
            db.session.scalars(
                select(PurchaseOrder.id).where(
                    PurchaseOrder.store_id == store.id,
                    PurchaseOrder.status == OrderStatus.DRAFT,
                )
            )
        )
        order = ops.order_shortfall(actor(), store, product)
        return order, 200 if order.id in drafts else 201


@orders_blp.route("/<int:order_id>")
class PurchaseOrderById(MethodView):
    @require(P.STOCK_VIEW)
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.alt_response(404, response="NOT_FOUND")
    def get(self, order_id):
        """One order with its lines and what has been received."""
        return order_or_404(order_id, current_user)

    @require(P.ORDERS_MANAGE)
    @orders_blp.arguments(
        OrderUpdateSchema,
        example={
            "lines": [{"product_id": 3, "quantity": 12, "unit_price": "2490.00"}],
            "expected_on": "2026-12-18",
            "version": 1,
        },
    )
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
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
            _fields_renamed(exc, _line_fields(raw_lines or []))
            raise


@orders_blp.route("/<int:order_id>/send")
class PurchaseOrderSend(MethodView):
    @require(P.ORDERS_MANAGE)
    @orders_blp.arguments(OrderActionSchema, example={"version": 1})
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
    def post(self, data, order_id):
        """Send a draft; without an expected date it gets today + the supplier's lead time."""
        order = order_or_404(order_id, current_user)
        return ops.send_order(actor(), order, expected_version=data.get("version"))


@orders_blp.route("/<int:order_id>/cancel")
class PurchaseOrderCancel(MethodView):
    @require(P.ORDERS_MANAGE)
    @orders_blp.arguments(
        OrderCancelSchema, example={"reason": "Leverandøren kan ikke levere", "version": 2}
    )
    @orders_blp.response(200, PurchaseOrderSchema)
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
    def post(self, data, order_id):
        """Cancel an order: nothing more will come. A sent order needs a reason."""
        order = order_or_404(order_id, current_user)
        return ops.cancel_order(
            actor(), order, reason=data.get("reason"), expected_version=data.get("version")
        )


@orders_blp.route("/<int:order_id>/receive")
class PurchaseOrderReceive(MethodView):
    @require(P.STOCK_MANAGE)
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
    @orders_blp.alt_response(404, response="NOT_FOUND")
    @orders_blp.alt_response(409, response="CONFLICT")
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
            _fields_renamed(exc, names)
            raise
        return order
