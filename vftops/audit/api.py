"""`/api/v1/audit-events`: read-only; there is no endpoint that changes an event."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user

from vftops.audit.permissions import AUDIT_VIEW
from vftops.audit.queries import audit_event_or_404, audit_events_for
from vftops.audit.schemas import AuditEventPageSchema, AuditEventQuerySchema, AuditEventSchema
from vftops.core.api import ApiBlueprint
from vftops.core.audit import AuditEvent
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require

blp = ApiBlueprint(
    "audit-events",
    __name__,
    url_prefix="/api/v1/audit-events",
    description="The append-only audit log (administrators and auditors)",
)


@blp.route("")
class AuditEvents(MethodView):
    @require(AUDIT_VIEW)
    @blp.arguments(AuditEventQuerySchema, location="query")
    @blp.response(200, AuditEventPageSchema)
    def get(self, args):
        """Newest first; filter by object, actor, action and period."""
        limit, cursor = args.pop("limit"), args.pop("cursor")
        stmt = audit_events_for(current_user, **args)
        return cursor_page(stmt, AuditEvent.id, limit=limit, cursor=cursor, descending=True)


@blp.route("/<int:event_id>")
class AuditEventById(MethodView):
    @require(AUDIT_VIEW)
    @blp.response(200, AuditEventSchema)
    def get(self, event_id):
        """One event."""
        return audit_event_or_404(current_user, event_id)
