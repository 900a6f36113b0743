"""Pages for stores, stock levels and minimums, consumables, purchase orders (bestillinger),
transfers between stores, stock counts and the stock alerts.

Thin views: read the form, call one operation in `vftops.stock.operations`, flash what
happened and redirect. A refused operation is shown beside the line or field it names, with
everything that was typed kept. One blueprint, `stock`, defined in `common`; each module of
this package adds the pages of one subject to it when it is imported here.
"""

from . import (  # noqa: F401
    board,
    consumables,
    counts,
    history,
    minimums,
    notify,
    orders,
    stores,
    transfers,
)
from .common import bp

__all__ = ["bp"]
