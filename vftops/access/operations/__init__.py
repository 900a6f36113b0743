"""The only code that changes the authorisation register (and, through the register's own
operations in `vftops.systems`, the systems access control keeps). `from vftops.access
import operations` gives all of it."""

from vftops.systems.operations import create_role, update_role

from . import privacy, vftops_grants  # noqa: F401  (their signal receivers)
from .grants import Holder, change_role, end_grant, grant_access
from .orders import (
    complete_task,
    leaver_grants,
    leaver_preview,
    order_access,
    order_leaver,
    refuse_task,
)
from .reconcile import (
    apply_account_list,
    guess_mapping,
    headers_of,
    mapping_for,
    order_account_removal,
    read_account_list,
)
from .reviews import (
    awaits_owner,
    close_review,
    confirm_item,
    create_review,
    decide,
    escalate_due,
    keep_unwarned,
    start_review,
    submit_unit,
)
from .systems import create_system, update_system

__all__ = [
    "Holder",
    "apply_account_list",
    "awaits_owner",
    "change_role",
    "close_review",
    "complete_task",
    "confirm_item",
    "create_review",
    "create_role",
    "create_system",
    "decide",
    "end_grant",
    "escalate_due",
    "grant_access",
    "guess_mapping",
    "headers_of",
    "keep_unwarned",
    "leaver_grants",
    "leaver_preview",
    "mapping_for",
    "order_access",
    "order_account_removal",
    "order_leaver",
    "read_account_list",
    "refuse_task",
    "start_review",
    "submit_unit",
    "update_role",
    "update_system",
]
