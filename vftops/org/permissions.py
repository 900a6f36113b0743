"""The permissions of municipalities and units, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import EVERYONE, Permission

ORG_VIEW = Permission("org.view", _l("See municipalities and units"), EVERYONE)
ORG_MANAGE = Permission("org.manage", _l("Create and change municipalities and units"))

PERMISSIONS = (ORG_VIEW, ORG_MANAGE)
