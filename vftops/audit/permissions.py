"""The permissions of the audit log, with the roles that hold them. The administrator
holds every permission and the auditor every «.view» permission (vftops.core.permissions)."""

from flask_babel import lazy_gettext as _l

from vftops.core.permissions import Permission

AUDIT_VIEW = Permission("audit.view", _l("Read the audit log"))

PERMISSIONS = (AUDIT_VIEW,)
