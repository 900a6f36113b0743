"""Permission-matrix rows for the store: pages. Ids in paths come from the matrix's world:
{store}, {store2}, {product}, {consumable}, {device}, {minimum}, {transfer}, {order}
(a draft), {order_sent}, {order_line_sent}, {count} (open, on store2), {recipient},
{municipality}, {supplier}, {user}."""

from tests.matrix import Endpoint
from vftops.core.permissions import Permission

P = Permission

PAGES: list = [
    Endpoint("GET", "/stock", P.STOCK_VIEW),
    # The world's store is short of the product (1 available, minimum 2): a draft order.
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/order",
        P.ORDERS_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores?archived=1", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores/new", P.STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/new",
        P.STORES_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Nytt minilager", "kind": "local"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/edit", P.STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/edit",
        P.STORES_MANAGE,
        body={"name": "Omdøpt lager", "kind": "central", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/products/{product}", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/products/{consumable}?days=30", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/minimums/new", P.STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/minimums/new",
        P.STORES_MANAGE,
        body={"product_id": "{consumable}", "minimum": "4", "reorder_target": "10"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/products/{product}/minimum", P.STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/minimum",
        P.STORES_MANAGE,
        body={"minimum": "3", "reorder_target": "5"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/minimum/delete",
        P.STORES_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/suggestions", P.STOCK_VIEW),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/suggestion",
        P.STORES_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/idle-cost", P.STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/consumables/receive", P.STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/receive",
        P.STOCK_MANAGE,
        body={"product_id": "{consumable}", "quantity": "5", "reason": "Levering 77"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/consumables/issue", P.STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/issue",
        P.STOCK_MANAGE,
        body={"product_id": "{consumable}", "quantity": "2", "recipient_id": "{recipient}"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/consumables/adjust", P.STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/adjust",
        P.STOCK_MANAGE,
        body={"product_id": "{consumable}", "counted": "8", "reason": "Telt i hylla"},
        form_page="/account",
    ),
]
