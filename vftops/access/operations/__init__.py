"""The only code that changes the authorisation register (and, through the register's own
operations in `vftops.systems`, the systems access control keeps). `from vftops.access
import operations` gives all of it."""

from vftops.systems.operations import create_role, update_role

from . import privacy, vftops_grants  # noqa: F401  (their signal receivers)
from .grants import Holder, change_role, end_grant, grant_access
from .orders import complete_task, leaver_grants, order_access, order_leaver, refuse_task
from .systems import create_system, update_system

__all__ = [
    "Holder",
    "change_role",
    "complete_task",
    "create_role",
    "create_system",
    "end_grant",
    "grant_access",
    "leaver_grants",
    "order_access",
    "order_leaver",
    "refuse_task",
    "update_role",
    "update_system",
]
