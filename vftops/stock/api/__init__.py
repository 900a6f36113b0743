"""JSON API for stores, stock levels, minimums, consumables, transfers and purchase orders.

Thin: parse with marshmallow, load objects through the store scope (your
municipalities' stores and those shared with them), call one function in
`vftops.stock.operations`, dump the result. Another municipality's store,
minimum, transfer or order answers 404, also when its id is sent in a body;
a refused change answers the operation's 409/422 with `fields` and `details`.

The blueprints are defined in `common`; each module of this package adds the endpoints of one
subject to them when it is imported here.
"""

from . import ledger, levels, orders, stores, transfers  # noqa: F401
from .common import blueprints

__all__ = ["blueprints"]
