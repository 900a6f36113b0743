"""The audit log: every change, who made it and when."""

from flask_babel import lazy_gettext as _l

from vftops.audit import api, queries, views
from vftops.audit.audit_texts import TEXTS
from vftops.audit.permissions import AUDIT_VIEW, PERMISSIONS
from vftops.core.modules import Link, Module, StartPart

module = Module(
    name="audit",
    permissions=PERMISSIONS,
    audit=TEXTS,
    pages=(views.bp,),
    api=(api.blp,),
    navigation=(Link(_l("Audit log"), "audit.events", AUDIT_VIEW, "admin", 30),),
    start=(StartPart("audit/_start_failed_logins.html", queries.failed_logins_today, "todo", 50),),
    shortcuts=(Link(_l("Audit log"), "audit.events", AUDIT_VIEW, order=30),),
)
