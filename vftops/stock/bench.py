"""The benchmark's stock (`flask vftops bench`): minimums, consumables, purchase orders and
transfers on the equipment's stores; the shortfall board and a big store's page."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import insert, select

from vftops.core.bench import batched
from vftops.core.modules import BenchCheck, BenchPart
from vftops.extensions import db
from vftops.stock.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    StockBalance,
    StockMinimum,
    StockMovement,
    Transfer,
    TransferLine,
)

MINIMUMS_PER_STORE = 10
CONSUMABLES_PER_STORE = 20


def build(world: dict) -> None:
    """Minimums (some short), consumable balances with their ledger, open orders, transfers."""
    world["echo"]("  stock: minimums, consumables, orders and transfers")
    mid, now = world["municipality_id"], world["now"]
    today = now.date()
    store_ids, product_ids = world["store_ids"], world["product_ids"]
    supplier_ids, consumables = world["supplier_ids"], world["consumables"]
    shelf, in_transit, first_device = world["shelf"], world["in_transit"], world["first_device"]
    held: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (store, product), n in shelf.items():
        held[store].append((product, n))
    balances, ledger, minimums = [], [], []
    per_store = min(CONSUMABLES_PER_STORE, len(consumables))
    for s, store_id in enumerate(store_ids):
        quantities = {}
        for c in range(per_store):
            product = consumables[(s * 7 + c) % len(consumables)]
            quantity = (s * 31 + c * 17) % 150 + 1
            quantities[product] = quantity
            balances.append(
                {"store_id": store_id, "product_id": product_ids[product], "quantity": quantity}
            )
            ledger.append(
                {
                    "store_id": store_id,
                    "product_id": product_ids[product],
                    "municipality_id": mid,
                    "at": now - timedelta(days=(s + c) % 90),
                    "kind": "receive",
                    "quantity": quantity,
                    "balance_after": quantity,
                    "reason": "Leveranse",
                }
            )
        # Ten minimums: devices the store holds and two consumables; about one in seven short.
        chosen = sorted(held[s])[: MINIMUMS_PER_STORE - 2] + list(quantities.items())[:2]
        for j, (product, n) in enumerate(chosen):
            short = (s + j) % 7 == 0
            minimum = n + 1 + j % 3 if short else max(1, n - 1)
            minimums.append(
                {
                    "store_id": store_id,
                    "product_id": product_ids[product],
                    "minimum": minimum,
                    "reorder_target": minimum + 5,
                    "version": 1,
                }
            )
    for table, rows in (
        (StockBalance, balances),
        (StockMovement, ledger),
        (StockMinimum, minimums),
    ):
        for batch in batched(rows):
            db.session.execute(insert(table), batch)
    db.session.commit()

    # Orders: one on its way per store, one overdue in every third, a draft in every fifth,
    # one partly received in every seventh; three lines each.
    orders, order_lines = [], []
    n = 0
    for s, store_id in enumerate(store_ids):
        kinds = [("sent", today + timedelta(days=7))]
        if s % 3 == 0:
            kinds.append(("sent", today - timedelta(days=5)))
        if s % 5 == 0:
            kinds.append(("draft", None))
        if s % 7 == 0:
            kinds.append(("partly_received", today + timedelta(days=2)))
        for status, expected in kinds:
            n += 1
            number = f"B-{n:06d}"
            orders.append(
                {
                    "municipality_id": mid,
                    "number": number,
                    "supplier_id": supplier_ids[s % len(supplier_ids)],
                    "store_id": store_id,
                    "status": status,
                    "expected_on": expected,
                    "sent_at": None if status == "draft" else now - timedelta(days=10),
                    "version": 1,
                }
            )
            for k in range(3):
                product = (s * 13 + n * 3 + k) % len(product_ids)
                order_lines.append(
                    (
                        number,
                        {
                            "product_id": product_ids[product],
                            "quantity": 4 + k,
                            "received_quantity": 2 if status == "partly_received" else 0,
                        },
                    )
                )
    for batch in batched(orders):
        db.session.execute(insert(PurchaseOrder), batch)
    order_ids = dict(
        db.session.execute(
            select(PurchaseOrder.number, PurchaseOrder.id).where(
                PurchaseOrder.municipality_id == mid
            )
        ).all()
    )
    for batch in batched([{"order_id": order_ids[num], **line} for num, line in order_lines]):
        db.session.execute(insert(PurchaseOrderLine), batch)
    db.session.commit()

    # Transfers: each device in transit is on its way from its store to the central one.
    transfers = [
        {
            "municipality_id": mid,
            "from_store_id": store_ids[store],
            "to_store_id": store_ids[0] if store else store_ids[-1],
            "status": "sent",
            "note": f"bench-{i}",
            "sent_at": now - timedelta(days=1),
            "version": 1,
        }
        for i, store, _product in in_transit
        if len(store_ids) > 1
    ]
    if transfers:
        for batch in batched(transfers):
            db.session.execute(insert(Transfer), batch)
        transfer_ids = dict(
            db.session.execute(
                select(Transfer.note, Transfer.id).where(Transfer.municipality_id == mid)
            ).all()
        )
        db.session.execute(
            insert(TransferLine),
            [
                {
                    "transfer_id": transfer_ids[f"bench-{i}"],
                    "product_id": product_ids[product],
                    "device_id": first_device + i,
                    "quantity": 1,
                    "device_status": "in_stock",
                }
                for i, _store, product in in_transit
            ],
        )
    db.session.commit()


PART = BenchPart(
    build=build,
    checks=(
        BenchCheck("shortfall board, all stores", lambda ids: "/stock", target_ms=200),
        BenchCheck(
            "store levels page, big store",
            lambda ids: f"/stock/stores/{ids['store']}",
            target_ms=200,
        ),
    ),
)
