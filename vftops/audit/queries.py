"""Filtered, scoped reads of the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from vftops.audit.permissions import AUDIT_VIEW
from vftops.core.audit import AuditEvent
from vftops.core.scope import id_or_404, municipality_ids
from vftops.extensions import db
from vftops.org.models import Membership

OSLO = ZoneInfo("Europe/Oslo")


def oslo_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=OSLO).astimezone(UTC)


def visible_events(user):
    """The WHERE clause that limits audit events to what `user` may read."""
    mine = municipality_ids(user)
    shares = exists().where(
        Membership.user_id == AuditEvent.subject_user_id, Membership.municipality_id.in_(mine)
    )
    belongs_nowhere = ~exists().where(Membership.user_id == AuditEvent.subject_user_id)
    return or_(
        AuditEvent.municipality_id.in_(mine),
        and_(
            AuditEvent.municipality_id.is_(None),
            or_(AuditEvent.subject_user_id.is_(None), shares, belongs_nowhere),
        ),
    )


def object_types() -> list[str]:
    """Every kind of object the log holds an event about: the filter's choices."""
    return db.session.scalars(select(AuditEvent.object_type).distinct()).all()


def audit_events_for(
    user,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """Events the user may read.

    An event with a municipality is visible to its members. An event about a
    person (user changes, logins, tokens) is visible when that person shares a
    municipality with the reader, or belongs to none yet.
    """
    stmt = (
        select(AuditEvent)
        .where(visible_events(user))
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.municipality))
    )
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == str(object_id))
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        # "user" matches user.create, user.update …; "user.create" matches itself.
        if "." in action:
            stmt = stmt.where(AuditEvent.action == action)
        else:
            stmt = stmt.where(AuditEvent.action.like(f"{action}.%"))
    if date_from:
        stmt = stmt.where(AuditEvent.created_at >= oslo_day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditEvent.created_at < oslo_day_start(date_to + timedelta(days=1)))
    return stmt


def audit_event_or_404(user, event_id) -> AuditEvent:
    """One event the user may read; any other answers 404."""
    from flask import abort

    event = db.session.scalars(
        audit_events_for(user).where(AuditEvent.id == id_or_404(event_id))
    ).first()
    if event is None:
        abort(404)
    return event


def failed_logins_today(user, now) -> int | None:
    """The start page: failed logins the last 24 hours, for those who read the audit log."""
    if not user.can(AUDIT_VIEW):
        return None
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            visible_events(user),
            AuditEvent.action == "auth.login_failed",
            AuditEvent.created_at > now - timedelta(days=1),
        )
    )
