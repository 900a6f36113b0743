"""Permission-matrix rows for the store: orders. Ids in paths come from the matrix's world:
{store}, {store2}, {product}, {consumable}, {device}, {minimum}, {transfer}, {order}
(a draft), {order_sent}, {order_line_sent}, {count} (open, on store2), {recipient},
{municipality}, {supplier}, {user}."""

from tests.matrix import Endpoint
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_MANAGE, STOCK_VIEW

ORDERS: list = [
    # Purchase orders
    Endpoint("GET", "/stock/orders", STOCK_VIEW),
    Endpoint("GET", "/stock/orders?status=open&overdue=y", STOCK_VIEW),
    Endpoint("GET", "/stock/orders/new", ORDERS_MANAGE),
    Endpoint(
        "POST",
        "/stock/orders/new",
        ORDERS_MANAGE,
        body={
            "store_id": "{store}",
            "supplier_id": "{supplier}",
            "agreement_ref": "Rammeavtale 2025-17",
            "lines-0-product_id": "{consumable}",
            "lines-0-quantity": "20",
            "lines-0-unit_price": "12,50",
        },
        form_page="/account",
        scoped=True,  # the store in the body
    ),
    Endpoint("GET", "/stock/orders/{order}", STOCK_VIEW),
    Endpoint("GET", "/stock/orders/{order}/print", STOCK_VIEW),
    Endpoint("GET", "/stock/orders/{order}/edit", ORDERS_MANAGE),
    Endpoint(
        "POST",
        "/stock/orders/{order}/edit",
        ORDERS_MANAGE,
        body={"lines-0-product_id": "{consumable}", "lines-0-quantity": "8"},
        form_page="/account",
    ),
    Endpoint("POST", "/stock/orders/{order}/send", ORDERS_MANAGE, body={}, form_page="/account"),
    Endpoint(
        "POST",
        "/stock/orders/{order_sent}/cancel",
        ORDERS_MANAGE,
        body={"reason": "Feil leverandør"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/orders/{order_sent}/receive", STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/orders/{order_sent}/receive",
        STOCK_MANAGE,
        body={"lines-0-line_id": "{order_line_sent}", "lines-0-received": "3"},
        form_page="/account",
    ),
    # Transfers
    Endpoint("GET", "/stock/transfers", STOCK_VIEW),
    Endpoint("GET", "/stock/transfers?status=sent", STOCK_VIEW),
    Endpoint("GET", "/stock/transfers/new", STOCK_MANAGE),
    Endpoint("GET", "/stock/transfers/new?from_store_id={store}", STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/transfers/new",
        STOCK_MANAGE,
        body={
            "from_store_id": "{store}",
            "to_store_id": "{store2}",
            "serials": "STOCK-a",
            "quantities-0-product_id": "{consumable}",
            "quantities-0-quantity": "2",
        },
        form_page="/account",
        scoped=True,  # the stores in the body
    ),
    Endpoint("GET", "/stock/transfers/{transfer}", STOCK_VIEW),
    Endpoint(
        "POST", "/stock/transfers/{transfer}/receive", STOCK_MANAGE, body={}, form_page="/account"
    ),
    Endpoint(
        "POST", "/stock/transfers/{transfer}/cancel", STOCK_MANAGE, body={}, form_page="/account"
    ),
    # Stock counts
    Endpoint("GET", "/stock/counts", STOCK_VIEW),
    Endpoint("POST", "/stock/stores/{store}/counts", STOCK_MANAGE, body={}, form_page="/account"),
    Endpoint("GET", "/stock/counts/{count}", STOCK_VIEW),
    Endpoint(
        "POST",
        "/stock/counts/{count}/scans",
        STOCK_MANAGE,
        body={"serials": "TRANS-a\nUKJENT-1"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/stock/counts/{count}/quantities",
        STOCK_MANAGE,
        body={"extra_product_id": "{consumable}", "extra_counted": "4"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/stock/counts/{count}/confirm",
        STOCK_MANAGE,
        body={"reason": "Årlig varetelling"},
        form_page="/account",
    ),
    Endpoint("POST", "/stock/counts/{count}/cancel", STOCK_MANAGE, body={}, form_page="/account"),
]
