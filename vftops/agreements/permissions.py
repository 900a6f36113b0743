"""The permissions of agreements, with the roles that hold them. The administrator holds
every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

AGREEMENTS_VIEW = Permission(
    "agreements.view",
    _l("See the agreements, their prices, deadlines, deviations, meetings and figures"),
    (R.PROCUREMENT, R.IT, R.SERVICEDESK),
)
AGREEMENTS_MANAGE = Permission(
    "agreements.manage",
    _l("Keep agreements, prices, service levels, deadlines, meetings and handovers"),
    (R.PROCUREMENT,),
)
DEVIATIONS_REPORT = Permission(
    "deviations.report",
    _l("Report a deviation against a supplier's agreement"),
    (R.PROCUREMENT, R.IT, R.SERVICEDESK, R.TECHNICIAN),
)
PERMISSIONS = (AGREEMENTS_VIEW, AGREEMENTS_MANAGE, DEVIATIONS_REPORT)
