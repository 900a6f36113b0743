"""The only code that changes the authorisation register (and, through the register's own
operations in `vftops.systems`, the systems access control keeps). `from vftops.access
import operations` gives all of it."""

from vftops.systems.operations import create_role, update_role

from . import privacy, vftops_grants  # noqa: F401  (their signal receivers)
from .grants import Holder, change_role, end_grant, grant_access
from .orders import complete_task, leaver_grants, order_access, order_leaver, refuse_task
from .reviews import (
    close_review,
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
    "change_role",
    "close_review",
    "complete_task",
    "create_review",
    "create_role",
    "create_system",
    "decide",
    "end_grant",
    "escalate_due",
    "grant_access",
    "keep_unwarned",
    "leaver_grants",
    "order_access",
    "order_leaver",
    "refuse_task",
    "start_review",
    "submit_unit",
    "update_role",
    "update_system",
]
