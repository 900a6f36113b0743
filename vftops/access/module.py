"""Access control: systems, their roles, grants, orders and access reviews."""

from vftops.access import demo
from vftops.access.permissions import PERMISSIONS
from vftops.core.modules import Module

module = Module(name="access", permissions=PERMISSIONS, demo=demo.load)
