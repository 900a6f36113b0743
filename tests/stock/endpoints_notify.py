"""Permission-matrix rows for the store: notify. Ids in paths come from the matrix's world:
{store}, {store2}, {product}, {consumable}, {device}, {minimum}, {transfer}, {order}
(a draft), {order_sent}, {order_line_sent}, {count} (open, on store2), {recipient},
{municipality}, {supplier}, {user}."""

from tests.matrix import Endpoint
from vftops.core.permissions import Permission

P = Permission

NOTIFY: list = [
    Endpoint("GET", "/stock/notifications", P.STOCK_VIEW),
    Endpoint("GET", "/stock/notifications?all=1", P.STOCK_VIEW),
]
