"""Permission-matrix rows for the store: pages. Ids in paths come from the matrix's world:
{store}, {store2}, {product}, {consumable}, {device}, {minimum}, {transfer}, {order}
(a draft), {order_sent}, {order_line_sent}, {count} (open, on store2), {recipient},
{municipality}, {supplier}, {user}."""

from tests.matrix import Endpoint
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_MANAGE, STOCK_VIEW, STORES_MANAGE

PAGES: list = [
    Endpoint("GET", "/stock", STOCK_VIEW),
    # The world's store is short of the product (1 available, minimum 2): a draft order.
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/order",
        ORDERS_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores", STOCK_VIEW),
    Endpoint("GET", "/stock/stores?archived=1", STOCK_VIEW),
    Endpoint("GET", "/stock/stores/new", STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/new",
        STORES_MANAGE,
        body={"municipality_id": "{municipality}", "name": "Nytt minilager", "kind": "local"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}", STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/edit", STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/edit",
        STORES_MANAGE,
        body={"name": "Omdøpt lager", "kind": "central", "is_active": "y"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/products/{product}", STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/products/{consumable}?days=30", STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/minimums/new", STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/minimums/new",
        STORES_MANAGE,
        body={"product_id": "{consumable}", "minimum": "4", "reorder_target": "10"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/products/{product}/minimum", STORES_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/minimum",
        STORES_MANAGE,
        body={"minimum": "3", "reorder_target": "5"},
        form_page="/account",
    ),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/minimum/delete",
        STORES_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/suggestions", STOCK_VIEW),
    Endpoint(
        "POST",
        "/stock/stores/{store}/products/{product}/suggestion",
        STORES_MANAGE,
        body={},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/idle-cost", STOCK_VIEW),
    Endpoint("GET", "/stock/stores/{store}/consumables/receive", STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/receive",
        STOCK_MANAGE,
        body={"product_id": "{consumable}", "quantity": "5", "reason": "Levering 77"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/consumables/issue", STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/issue",
        STOCK_MANAGE,
        body={"product_id": "{consumable}", "quantity": "2", "recipient_id": "{recipient}"},
        form_page="/account",
    ),
    Endpoint("GET", "/stock/stores/{store}/consumables/adjust", STOCK_MANAGE),
    Endpoint(
        "POST",
        "/stock/stores/{store}/consumables/adjust",
        STOCK_MANAGE,
        body={"product_id": "{consumable}", "counted": "8", "reason": "Telt i hylla"},
        form_page="/account",
    ),
]
