"""Permission-matrix rows for the store's JSON API."""

from tests.matrix import Endpoint
from vftops.core.permissions import Permission

P = Permission

# A store, order or transfer of another municipality named in a body answers 404 too:
# rows that name one in the body say scoped=True.
API: list = [
    # Stores
    Endpoint("GET", "/api/v1/stores", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stores",
        P.STORES_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Apilager", "kind": "local"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/stores/{store}", P.STOCK_VIEW),
    Endpoint("PATCH", "/api/v1/stores/{store}", P.STORES_MANAGE, body={"address": "Havnegata 3"}),
    # Stock levels
    Endpoint("GET", "/api/v1/stock", P.STOCK_VIEW),
    # Minimums and suggestions
    Endpoint("GET", "/api/v1/stock-minimums", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-minimums",
        P.STORES_MANAGE,
        body={"store_id": "{store}", "product_id": "{consumable}", "minimum": 3},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/stock-minimums/{minimum}", P.STOCK_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/stock-minimums/{minimum}",
        P.STORES_MANAGE,
        body={"minimum": 3, "reorder_target": 6},
    ),
    Endpoint("DELETE", "/api/v1/stock-minimums/{minimum}", P.STORES_MANAGE, body={}),
    Endpoint("GET", "/api/v1/stock-minimums/suggestions?store_id={store}", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-minimums/suggestions/accept",
        P.STORES_MANAGE,
        body={"store_id": "{store}", "product_id": "{product}"},
        scoped=True,
    ),
    # Consumable ledger
    Endpoint("GET", "/api/v1/stock-movements", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/receive",
        P.STOCK_MANAGE,
        body={"store_id": "{store}", "product_id": "{consumable}", "quantity": 5},
        scoped=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/stock-movements/issue",
        P.STOCK_MANAGE,
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
        P.STOCK_MANAGE,
        body={
            "store_id": "{store}",
            "product_id": "{consumable}",
            "counted": 8,
            "reason": "Varetelling",
        },
        scoped=True,
    ),
    # Transfers
    Endpoint("GET", "/api/v1/transfers", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/transfers",
        P.STOCK_MANAGE,
        body={
            "from_store_id": "{store}",
            "to_store_id": "{store2}",
            "quantities": [{"product_id": "{consumable}", "quantity": 4}],
        },
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/transfers/{transfer}", P.STOCK_VIEW),
    Endpoint("POST", "/api/v1/transfers/{transfer}/receive", P.STOCK_MANAGE, body={}),
    Endpoint("POST", "/api/v1/transfers/{transfer}/cancel", P.STOCK_MANAGE, body={}),
    # Purchase orders
    Endpoint("GET", "/api/v1/purchase-orders", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders",
        P.ORDERS_MANAGE,
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
        P.ORDERS_MANAGE,
        body={"store_id": "{store}", "product_id": "{product}"},
        scoped=True,
    ),
    Endpoint("GET", "/api/v1/purchase-orders/{order}", P.STOCK_VIEW),
    Endpoint(
        "PATCH",
        "/api/v1/purchase-orders/{order}",
        P.ORDERS_MANAGE,
        body={"note": "Ring før levering", "expected_on": "2026-12-14"},
    ),
    Endpoint("POST", "/api/v1/purchase-orders/{order}/send", P.ORDERS_MANAGE, body={}),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{order_sent}/cancel",
        P.ORDERS_MANAGE,
        body={"reason": "Leverandøren kan ikke levere"},
    ),
    Endpoint(
        "POST",
        "/api/v1/purchase-orders/{order_sent}/receive",
        P.STOCK_MANAGE,
        body={"lines": [{"line_id": "{order_line_sent}", "quantity": 5}]},
    ),
]
