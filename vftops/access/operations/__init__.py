"""The only code that changes the authorisation register (and, through the register's own
operations in `vftops.systems`, the systems access control keeps). `from vftops.access
import operations` gives all of it."""

from vftops.systems.operations import create_role, update_role

from . import privacy, vftops_grants  # noqa: F401  (their signal receivers)
from .grants import Holder, change_role, end_grant, grant_access
from .systems import create_system, update_system

__all__ = [
    "Holder",
    "change_role",
    "create_role",
    "create_system",
    "end_grant",
    "grant_access",
    "update_role",
    "update_system",
]
