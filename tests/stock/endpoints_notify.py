"""Permission-matrix rows for the store: notify. Ids in paths come from the matrix's world:
{store}, {store2}, {product}, {consumable}, {device}, {minimum}, {transfer}, {order}
(a draft), {order_sent}, {order_line_sent}, {count} (open, on store2), {recipient},
{municipality}, {supplier}, {user}."""

from tests.matrix import Endpoint
from vftops.stock.permissions import STOCK_VIEW

NOTIFY: list = [
    Endpoint("GET", "/stock/notifications", STOCK_VIEW),
    Endpoint("GET", "/stock/notifications?all=1", STOCK_VIEW),
]
