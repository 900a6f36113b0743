"""Start page, health check, language choice and the browsable API documentation."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import exists, func, select, text

from vftops.audit.queries import visible_events
from vftops.auth.models import ApiToken, User
from vftops.auth.queries import visible_users
from vftops.core.audit import AuditEvent
from vftops.core.models import utcnow
from vftops.core.permissions import Permission, login_required
from vftops.core.scope import municipality_ids
from vftops.core.web import safe_next
from vftops.extensions import api, db, limiter
from vftops.org.models import Membership, Municipality

bp = Blueprint("core", __name__)


@bp.get("/")
@login_required
def index():
    user = current_user._get_current_object()
    now = utcnow()
    tasks: dict[str, object] = {}
    tasks["municipalities"] = db.session.scalars(
        select(Municipality)
        .where(Municipality.id.in_(municipality_ids(user)))
        .order_by(Municipality.name)
    ).all()
    tasks["expiring_tokens"] = db.session.scalars(
        select(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            ApiToken.expires_at < now + timedelta(days=14),
        )
        .order_by(ApiToken.expires_at)
    ).all()
    if user.can(Permission.PLACEMENTS_MANAGE):
        from flask_babel import to_user_timezone

        from vftops.equipment.models import Visit, VisitStatus

        tasks["jobs_today"] = db.session.scalar(
            select(func.count(Visit.id)).where(
                Visit.assigned_to_id == user.id,
                Visit.status == VisitStatus.PLANNED,
                Visit.planned_on <= to_user_timezone(now).date(),
            )
        )
    if user.can(Permission.TICKETS_VIEW):
        from vftops.support import queries as support_queries
        from vftops.support.views import can_reach

        # One aggregate over the open tickets, and one look per municipality for a
        # burst of technical alarms.
        tasks["ticket_counts"] = support_queries.queue_counts(user, now)
        tasks["incident_suggestions"] = support_queries.incident_suggestions(user, now)
        tasks["incident_page"] = user.can(Permission.TICKETS_MANAGE) and can_reach(
            "support.incident_new"
        )
    if user.can(Permission.USERS_MANAGE):
        no_membership = ~exists().where(Membership.user_id == User.id)
        tasks["users_without_municipality"] = db.session.scalars(
            visible_users(user)
            .where(no_membership, User.is_active_user.is_(True))
            .order_by(User.full_name)
        ).all()
        tasks["users_never_logged_in"] = db.session.scalars(
            visible_users(user)
            .where(User.last_login_at.is_(None), User.is_active_user.is_(True))
            .order_by(User.created_at)
            .limit(20)
        ).all()
    if user.can(Permission.AUDIT_VIEW):
        tasks["failed_logins"] = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                visible_events(user),
                AuditEvent.action == "auth.login_failed",
                AuditEvent.created_at > now - timedelta(days=1),
            )
        )
    return render_template("core/index.html", tasks=tasks)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("health check: database does not answer")
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.post("/language")
def set_language():
    """Anonymous visitors choose a language for the login page (stored in the session)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"] and not current_user.is_authenticated:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))


@bp.get("/api/v1/docs")
def api_docs():
    """A readable page generated from the same OpenAPI document clients use."""
    spec = api.spec.to_dict()
    operations = []
    for path, methods in sorted(spec.get("paths", {}).items()):
        for method, op in methods.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append({"path": path, "method": method.upper(), **op})
    return render_template("core/api_docs.html", spec=spec, operations=operations)
