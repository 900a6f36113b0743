"""Read side of the store: levels, shortfalls, suggestions, idle cost, history and counts.

Every figure is derived from the devices, the ledgers and the orders: nothing
here is typed in. Each function answers with a fixed number of aggregate
queries whatever the number of stores and products (no query per row).

The reads are split by subject into the modules of this package; every public name is
imported here, so `from vftops.stock import queries` keeps working.
"""

# Stores are equipment's; stock reads them here too.
from vftops.equipment.queries import store_ids_for, stores_for

from .common import (
    DAYS_PER_MONTH,
    IDLE,
    ON_SHELF,
    SERVICE_LEVEL_Z,
)
from .digest import (
    StoreDigest,
    digests,
    stores_in_charge,
    stores_in_charge_count,
)
from .flows import (
    MOVABLE,
    CountResult,
    QuantityDifference,
    count_adjustments,
    count_result,
    count_summary,
    counts_for,
    draft_order_ids,
    open_count,
    open_count_ids,
    orders_for,
    receipts_of,
    serials_to_send,
    stock_movement_list,
    transfers_for,
    usable_store_ids,
)
from .history import (
    available_history,
    status_by_store,
)
from .idle import (
    IdleCost,
    aware,
    idle_costs,
)
from .levels import (
    Level,
    balances_in,
    by_id,
    consumables_on_shelf,
    level_for,
    levels,
    minimum_list,
    minimum_row,
    minimums_by_product,
    plan_transfers,
    refill_plan,
    shortfalls,
)
from .objects import (
    count_or_404,
    landing_store_or_404,
    minimum_or_404,
    order_or_404,
    store_list,
    store_or_404,
    transfer_or_404,
)
from .suggestions import (
    Suggestion,
    suggestion,
    suggestions,
)

__all__ = [
    "DAYS_PER_MONTH",
    "IDLE",
    "MOVABLE",
    "ON_SHELF",
    "SERVICE_LEVEL_Z",
    "CountResult",
    "IdleCost",
    "Level",
    "QuantityDifference",
    "StoreDigest",
    "Suggestion",
    "available_history",
    "aware",
    "balances_in",
    "by_id",
    "consumables_on_shelf",
    "count_adjustments",
    "count_or_404",
    "count_result",
    "count_summary",
    "counts_for",
    "digests",
    "draft_order_ids",
    "idle_costs",
    "landing_store_or_404",
    "level_for",
    "levels",
    "minimum_list",
    "minimum_or_404",
    "minimum_row",
    "minimums_by_product",
    "open_count",
    "open_count_ids",
    "order_or_404",
    "orders_for",
    "plan_transfers",
    "receipts_of",
    "refill_plan",
    "serials_to_send",
    "shortfalls",
    "status_by_store",
    "stock_movement_list",
    "store_ids_for",
    "store_list",
    "store_or_404",
    "stores_for",
    "stores_in_charge",
    "stores_in_charge_count",
    "suggestion",
    "suggestions",
    "transfer_or_404",
    "transfers_for",
    "usable_store_ids",
]
