"""The permissions of users, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission
from vftops.core.permissions import Role as R

USERS_VIEW = Permission("users.view", _l("See users, their roles and memberships"), (R.IT,))
USERS_MANAGE = Permission("users.manage", _l("Create, change and deactivate users"))

PERMISSIONS = (USERS_VIEW, USERS_MANAGE)
