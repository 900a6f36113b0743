"""The permissions of access control, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

ACCESS_VIEW = Permission(
    "access.view",
    _l("See the systems register, who has access to what, and the access reviews"),
    (R.IT, R.SERVICEDESK),
)
ACCESS_MANAGE = Permission(
    "access.manage",
    _l("Keep the systems register and grants, run access reviews and reconciliations"),
    (R.IT, R.SERVICEDESK),
)
ACCESS_ORDER = Permission(
    "access.order",
    _l("Order access for people in one's own units, and the end of a leaver's access"),
    (R.MANAGER,),
)
ACCESS_REVIEW = Permission(
    "access.review",
    _l("Review the access put to one in an access review (one's own items only)"),
    (R.MANAGER, R.IT, R.SERVICEDESK),
)
PERMISSIONS = (ACCESS_VIEW, ACCESS_MANAGE, ACCESS_ORDER, ACCESS_REVIEW)
