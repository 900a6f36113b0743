"""Import every model so the metadata (and Alembic) knows the whole schema."""

from vftops.auth.models import ApiToken, LoginSession, User, UserRole
from vftops.core.audit import AuditEvent
from vftops.org.models import Membership, Municipality, Unit, UnitMembership

__all__ = [
    "ApiToken",
    "AuditEvent",
    "LoginSession",
    "Membership",
    "Municipality",
    "Unit",
    "UnitMembership",
    "User",
    "UserRole",
]
