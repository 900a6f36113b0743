"""The permissions of the equipment register, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

EQUIPMENT_VIEW = Permission(
    "equipment.view",
    _l("See products, devices and their history"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN, R.PROCUREMENT, R.MANAGER),
)
CATALOGUE_MANAGE = Permission(
    "catalogue.manage", _l("Keep the product catalogue"), (R.PROCUREMENT,)
)
DEVICES_MANAGE = Permission(
    "devices.manage", _l("Receive, import and change devices"), (R.TECHNICIAN,)
)
PLACEMENTS_MANAGE = Permission(
    "placements.manage", _l("Install, return and replace devices"), (R.TECHNICIAN,)
)
RECIPIENTS_VIEW = Permission(
    "recipients.view",
    _l("See recipients and their devices"),
    (R.SERVICEDESK, R.TECHNICIAN, R.MANAGER),
)
RECIPIENTS_MANAGE = Permission(
    "recipients.manage", _l("Register and change recipients"), (R.SERVICEDESK, R.TECHNICIAN)
)

PERMISSIONS = (
    EQUIPMENT_VIEW,
    CATALOGUE_MANAGE,
    DEVICES_MANAGE,
    PLACEMENTS_MANAGE,
    RECIPIENTS_VIEW,
    RECIPIENTS_MANAGE,
)
