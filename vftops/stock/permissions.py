"""The permissions of stores and stock, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

STOCK_VIEW = Permission(
    "stock.view",
    _l("See stores, stock levels, orders and transfers"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN, R.PROCUREMENT, R.MANAGER),
)
STOCK_MANAGE = Permission(
    "stock.manage", _l("Move stock: consumables, transfers, deliveries and counts"), (R.TECHNICIAN,)
)
STORES_MANAGE = Permission(
    "stores.manage", _l("Keep stores and their stock minimums"), (R.TECHNICIAN, R.PROCUREMENT)
)
ORDERS_MANAGE = Permission(
    "orders.manage", _l("Create, send and cancel purchase orders"), (R.PROCUREMENT,)
)

PERMISSIONS = (STOCK_VIEW, STOCK_MANAGE, STORES_MANAGE, ORDERS_MANAGE)
