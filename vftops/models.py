"""Import every model so the metadata (and Alembic) knows the whole schema."""

from vftops.access.models import AccessGrant
from vftops.agreements.models import Agreement
from vftops.auth.models import ApiToken, LoginSession, User, UserRole
from vftops.core.audit import AuditEvent
from vftops.equipment.models import (
    Device,
    Movement,
    Placement,
    Product,
    Recipient,
    Relative,
    Store,
    Visit,
)
from vftops.org.models import Membership, Municipality, Unit, UnitMembership
from vftops.stock.models import PurchaseOrder, StockBalance
from vftops.suppliers.models import Supplier
from vftops.support.models import FunctionTest, Team, Ticket
from vftops.systems.models import ItSystem, SystemRole

__all__ = [
    "AccessGrant",
    "Agreement",
    "ApiToken",
    "AuditEvent",
    "Device",
    "FunctionTest",
    "ItSystem",
    "LoginSession",
    "Membership",
    "Movement",
    "Municipality",
    "Placement",
    "Product",
    "PurchaseOrder",
    "Recipient",
    "Relative",
    "StockBalance",
    "Store",
    "Supplier",
    "SystemRole",
    "Team",
    "Ticket",
    "Unit",
    "UnitMembership",
    "User",
    "UserRole",
    "Visit",
]
