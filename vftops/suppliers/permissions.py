"""The permissions of suppliers, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

SUPPLIERS_VIEW = Permission(
    "suppliers.view",
    _l("See suppliers and how to reach them"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN, R.PROCUREMENT, R.MANAGER),
)
SUPPLIERS_MANAGE = Permission(
    "suppliers.manage", _l("Register and change suppliers"), (R.PROCUREMENT,)
)

PERMISSIONS = (SUPPLIERS_VIEW, SUPPLIERS_MANAGE)
