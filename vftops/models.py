"""Import every model so the metadata (and Alembic) knows the whole schema."""

from vftops.agreements.models import Supplier
from vftops.auth.models import ApiToken, LoginSession, User, UserRole
from vftops.core.audit import AuditEvent
from vftops.equipment.models import (
    Device,
    Movement,
    Placement,
    Product,
    Recipient,
    Relative,
    Visit,
)
from vftops.org.models import Membership, Municipality, Unit, UnitMembership
from vftops.stock.models import Store

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Device",
    "LoginSession",
    "Membership",
    "Movement",
    "Municipality",
    "Placement",
    "Product",
    "Recipient",
    "Relative",
    "Store",
    "Supplier",
    "Unit",
    "UnitMembership",
    "User",
    "UserRole",
    "Visit",
]
