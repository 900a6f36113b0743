"""Supplier meetings on an agreement, and the actions agreed in them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.agreements.models import Agreement, MeetingAction, SupplierMeeting
from vftops.agreements.operations.agreements import check_manages
from vftops.agreements.operations.checks import colleague, day, ident, record, refuse, text
from vftops.agreements.terms import add_months
from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError
from vftops.core.models import utcnow
from vftops.extensions import db

MEETING_FIELDS = ("held_on", "period_from", "period_to", "attendees", "agenda", "minutes")
ACTION_FIELDS = ("text", "owner_id", "owner_name", "due_on")


def _previous(agreement: Agreement, exclude_id: int | None = None):
    stmt = select(SupplierMeeting.held_on).where(SupplierMeeting.agreement_id == agreement.id)
    if exclude_id is not None:
        stmt = stmt.where(SupplierMeeting.id != exclude_id)
    return db.session.scalar(stmt.order_by(SupplierMeeting.held_on.desc()).limit(1))


def _apply(meeting: SupplierMeeting, agreement: Agreement, data: dict[str, Any]) -> None:
    meeting.held_on = day(data.get("held_on"), "held_on", required=_l("Give the meeting's date."))
    # The status report covers the time since the last meeting (three months at first).
    before = _previous(agreement, meeting.id)
    default_from = (
        (before + timedelta(days=1))
        if before and before < meeting.held_on
        else add_months(meeting.held_on, -3)
    )
    meeting.period_from = day(data.get("period_from"), "period_from") or default_from
    meeting.period_to = day(data.get("period_to"), "period_to") or meeting.held_on
    if meeting.period_to < meeting.period_from:
        raise refuse("period_to", _l("The period cannot end before it starts."))
    if (meeting.period_to - meeting.period_from).days > 5 * 366:
        raise refuse("period_from", _l("The report covers at most five years."))
    meeting.attendees = text(data.get("attendees"), "attendees")
    meeting.agenda = text(data.get("agenda"), "agenda")
    meeting.minutes = text(data.get("minutes"), "minutes")


@operation
def create_meeting(actor, agreement: Agreement, **data) -> SupplierMeeting:
    check_manages(actor, agreement)
    meeting = SupplierMeeting(agreement_id=agreement.id, agreement=agreement)
    _apply(meeting, agreement, data)
    db.session.add(meeting)
    db.session.flush()
    record(
        actor,
        "agreement.meeting_create",
        agreement,
        f"Leverandørmøte {meeting.held_on.strftime('%d.%m.%Y')} for avtale {agreement.title}",
        audit.diff({}, audit.snapshot(meeting, MEETING_FIELDS))
        | {"meeting_id": {"before": None, "after": meeting.id}},
    )
    return meeting


@operation
def update_meeting(actor, meeting: SupplierMeeting, *, expected_version=None, **data):
    check_version(meeting, expected_version)
    check_manages(actor, meeting.agreement)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    _apply(meeting, meeting.agreement, {**before, **data})
    changes = audit.diff(before, audit.snapshot(meeting, MEETING_FIELDS))
    if changes:
        record(
            actor,
            "agreement.meeting_update",
            meeting.agreement,
            f"Leverandørmøte {meeting.held_on.strftime('%d.%m.%Y')} endret",
            changes | {"meeting_id": {"before": meeting.id, "after": meeting.id}},
        )
    return meeting


def _action_state(action: MeetingAction) -> dict:
    state = audit.snapshot(action, ACTION_FIELDS)
    state["action_owner_id"] = state.pop("owner_id")  # not the agreement's owner
    return state


@operation
def add_action(actor, meeting: SupplierMeeting, **data) -> MeetingAction:
    """Something agreed in the meeting: what, who (one of ours, or a name at the
    supplier) and by when."""
    agreement = meeting.agreement
    check_manages(actor, agreement)
    what = text(data.get("text"), "text", required=_l("Write what is to be done."), limit=500)
    owner = None
    if ident(data.get("owner_id")) is not None:
        owner = colleague(
            data.get("owner_id"),
            agreement.served_municipality_ids,
            "owner_id",
            _l("The one who does it must work in a municipality the agreement covers."),
        )
    name = text(data.get("owner_name"), "owner_name", limit=120)
    if owner is None and name is None:
        message = _l("Say who does it: one of ours, or a name at the supplier.")
        raise refuse("owner_id", message)
    due_on = data.get("due_on")
    due = day(due_on, "due_on", required=_l("Give the date it is due."))
    action = MeetingAction(
        meeting_id=meeting.id,
        text=what,
        owner_id=owner.id if owner else None,
        owner_name=None if owner else name,
        due_on=due,
    )
    db.session.add(action)
    db.session.flush()
    record(
        actor,
        "agreement.action_add",
        agreement,
        f"Tiltak fra leverandørmøte: {what}",
        audit.diff({}, _action_state(action))
        | {"meeting_id": {"before": meeting.id, "after": meeting.id}},
    )
    return action


@operation
def complete_action(actor, action: MeetingAction, *, expected_version=None, done: bool = True):
    check_version(action, expected_version)
    check_manages(actor, action.meeting.agreement)
    if done and action.done_at is not None:
        raise ConflictError(_l("The action is done already."))
    if not done and action.done_at is None:
        raise ConflictError(_l("The action is not done."))
    if done and actor is None:
        raise refuse("done", _l("Someone must mark it done."))
    action.done_at = utcnow() if done else None
    action.done_by_id = actor.id if done else None
    record(
        actor,
        "agreement.action_done" if done else "agreement.action_reopen",
        action.meeting.agreement,
        f"Tiltak {'utført' if done else 'gjenåpnet'}: {action.text}",
        {
            "done": {"before": not done, "after": done},
            "meeting_id": {"before": action.meeting_id, "after": action.meeting_id},
        },
    )
    return action
