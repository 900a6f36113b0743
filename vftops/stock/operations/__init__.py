"""The only code that changes stores, stock, transfers, purchase orders and counts.

The operations are split by subject into the modules of this package; every public name is
imported here, so `from vftops.stock import operations` keeps working.
"""

# Connects to the anonymisation signal and to the purge's list of recent activity.
from . import privacy  # noqa: F401
from .common import (
    MAX_COUNT,
    ON_SHELF,
    STORE_FIELDS,
    require_active,
    whole_number,
)
from .consumables import (
    adjust_consumables,
    balance,
    check_consumable,
    issue_consumables,
    move_consumable,
    receive_consumables,
)
from .counts import (
    add_count_scans,
    cancel_count,
    confirm_count,
    set_count_quantities,
    set_count_quantity,
    start_count,
)
from .minimums import (
    accept_suggestion,
    delete_minimum,
    set_minimum,
)
from .orders import (
    ORDER_FIELDS,
    cancel_order,
    create_order,
    default_expected_on,
    order_shortfall,
    receive_order,
    send_order,
    update_order,
)
from .stores import (
    create_store,
    update_store,
)
from .transfers import (
    cancel_transfer,
    receive_transfer,
    send_transfer,
)

__all__ = [
    "MAX_COUNT",
    "ON_SHELF",
    "ORDER_FIELDS",
    "STORE_FIELDS",
    "accept_suggestion",
    "add_count_scans",
    "adjust_consumables",
    "balance",
    "cancel_count",
    "cancel_order",
    "cancel_transfer",
    "check_consumable",
    "confirm_count",
    "create_order",
    "create_store",
    "default_expected_on",
    "delete_minimum",
    "issue_consumables",
    "move_consumable",
    "order_shortfall",
    "receive_consumables",
    "receive_order",
    "receive_transfer",
    "require_active",
    "send_order",
    "send_transfer",
    "set_count_quantities",
    "set_count_quantity",
    "set_minimum",
    "start_count",
    "update_order",
    "update_store",
    "whole_number",
]
