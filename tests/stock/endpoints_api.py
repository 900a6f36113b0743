"""Permission-matrix rows for the store's JSON API."""

from tests.matrix import Endpoint
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_MANAGE, STOCK_VIEW, STORES_MANAGE

# A store, order or transfer of another municipality named in a body answers 404 too:
# rows that name one in the body say scoped=True.
API: list = [
    # Stores
    Endpoint("GET", "/api/v1/stores", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stores",
        STORES_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Apilager", "kind": "local"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/stores/{store}", STOCK_VIEW),
    Endpoint("PATCH", "/api/v1/stores/{store}", STORES_MANAGE, body={"address": "Havnegata 3"}),
    # Stock levels
    Endpoint("GET", "/api/v1/stock", STOCK_VIEW),
    # Minimums and suggestions
    Endpoint("GET", "/api/v1/stock-minimums", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-minimums",
        STORES_MANAGE,
        body={"store_id": "{store}", "product_id": "{consumable}", "minimum": 3},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/stock-minimums/{minimum}", STOCK_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/stock-minimums/{minimum}",
        STORES_MANAGE,
        body={"minimum": 3, "reorder_target": 6},
    ),
    Endpoint("DELETE", "/api/v1/stock-minimums/{minimum}", STORES_MANAGE, body={}),
    Endpoint("GET", "/api/v1/stock-minimums/suggestions?store_id={store}", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-minimums/suggestions/accept",
        STORES_MANAGE,
        body={"store_id": "{store}", "product_id": "{product}"},
        scoped=True,
    ),
    # Consumable ledger
    Endpoint("GET", "/api/v1/stock-movements", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/receive",
        STOCK_MANAGE,
        body={"store_id": "{store}", "product_id": "{consumable}", "quantity": 5},
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/issue",
        STOCK_MANAGE,
        body={
            "store_id": "{store}",
            "product_id": "{consumable}",
            "quantity": 2,
            "recipient_id": "{recipient}",
        },
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/adjust",
        STOCK_MANAGE,
        body={
            "store_id": "{store}",
            "product_id": "{consumable}",
            "counted": 8,
            "reason": "Varetelling",
        },
        scoped=True,
    ),
    # Transfers
    Endpoint("GET", "/api/v1/transfers", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/transfers",
        STOCK_MANAGE,
        body={
            "from_store_id": "{store}",
            "to_store_id": "{store2}",
            "quantities": [{"product_id": "{consumable}", "quantity": 4}],
        },
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/transfers/{transfer}", STOCK_VIEW),
    Endpoint("POST", "/api/v1/transfers/{transfer}/receive", STOCK_MANAGE, body={}),
    Endpoint("POST", "/api/v1/transfers/{transfer}/cancel", STOCK_MANAGE, body={}),
    # Purchase orders
    Endpoint("GET", "/api/v1/purchase-orders", STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders",
        ORDERS_MANAGE,
        body={
            "store_id": "{store}",
            "supplier_id": "{supplier}",
            "lines": [{"product_id": "{consumable}", "quantity": 12, "unit_price": "19.90"}],
        },
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/from-shortfall",
        ORDERS_MANAGE,
        body={"store_id": "{store}", "product_id": "{product}"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/purchase-orders/{order}", STOCK_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/purchase-orders/{order}",
        ORDERS_MANAGE,
        body={"note": "Ring før levering", "expected_on": "2026-12-14"},
    ),
    Endpoint("POST", "/api/v1/purchase-orders/{order}/send", ORDERS_MANAGE, body={}),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{order_sent}/cancel",
        ORDERS_MANAGE,
        body={"reason": "Leverandøren kan ikke levere"},
    ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{order_sent}/receive",
        STOCK_MANAGE,
        body={"lines": [{"line_id": "{order_line_sent}", "quantity": 5}]},
    ),
]
