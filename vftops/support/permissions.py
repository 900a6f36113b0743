"""The permissions of support tickets and function tests, with the roles that hold them. The
administrator holds every permission and the auditor every «.view» permission
(vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

TICKETS_VIEW = Permission(
    "tickets.view",
    _l("See support tickets, queues and reports"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN, R.PROCUREMENT, R.MANAGER),
)
TICKETS_CREATE = Permission(
    "tickets.create",
    _l("Report a fault or ask for help (create tickets)"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN, R.MANAGER),
)
TICKETS_MANAGE = Permission(
    "tickets.manage",
    _l("Acknowledge, assign, escalate and resolve tickets"),
    (R.IT, R.SERVICEDESK, R.TECHNICIAN),
)
SUPPORT_CONFIGURE = Permission(
    "support.configure", _l("Keep teams, routing rules and SLA targets"), (R.SERVICEDESK,)
)
TESTS_RECORD = Permission(
    "tests.record", _l("Record periodic function tests"), (R.SERVICEDESK, R.TECHNICIAN)
)

PERMISSIONS = (TICKETS_VIEW, TICKETS_CREATE, TICKETS_MANAGE, SUPPORT_CONFIGURE, TESTS_RECORD)
