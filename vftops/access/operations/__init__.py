"""The only code that changes the systems register, its roles and the authorisation
register. `from vftops.access import operations` gives all of it."""

from . import privacy, vftops_grants  # noqa: F401  (their signal receivers)
from .grants import Holder, change_role, end_grant, grant_access
from .systems import create_role, create_system, update_role, update_system

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
