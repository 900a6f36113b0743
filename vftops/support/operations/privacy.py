"""Forgetting a recipient: scrubbing tickets and deleting their attachments."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from vftops.core import audit
from vftops.core.db import MAX_TEXT, when_finished
from vftops.core.privacy import scrubber
from vftops.equipment.models import Placement, Recipient
from vftops.equipment.operations import recipient_anonymised
from vftops.equipment.purge import RECENT_ACTIVITY
from vftops.extensions import db
from vftops.support.attachments import path_of
from vftops.support.models import (
    FunctionTest,
    Ticket,
    TicketAttachment,
    TicketEntry,
)
from vftops.support.queries import is_open_clause

from .common import log

# --- forgetting a recipient ----------------------------------------------------------


@recipient_anonymised.connect
def _forget_in_tickets(recipient: Recipient, *, scrub, **_extra) -> None:
    """Tickets about an anonymised recipient keep what was wrong and what was done, not
    who rang: the reporter is cleared, their and the recipient's names and numbers leave
    the text, attachments (photos of a home) are deleted, function-test notes cleared.
    (Attachment file names are not searched for: «bilde» or «alarm» would go too.)"""
    tickets = db.session.scalars(select(Ticket).where(Ticket.recipient_id == recipient.id)).all()
    title_limit = Ticket.__table__.c.title.type.length
    for ticket in tickets:
        attachments = db.session.scalars(
            select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
        ).all()
        words = [ticket.reporter_name, ticket.reporter_contact]
        words += re.split(r"[\s,;()<>]+", ticket.reporter_name or "")
        words += re.split(r"[\s,;()<>]+", ticket.reporter_contact or "")
        forget = _both(scrub, scrubber(words))
        ticket.reporter_name = None
        ticket.reporter_contact = None
        if forget is not None:
            ticket.title = forget(ticket.title, title_limit)
            ticket.description = forget(ticket.description, MAX_TEXT)
            ticket.resolution = forget(ticket.resolution, MAX_TEXT)
            audit.scrub_append_only(
                TicketEntry.__table__, "body", TicketEntry.ticket_id == ticket.id, forget
            )
        _delete_attachments(attachments)
    placements = select(Placement.id).where(Placement.recipient_id == recipient.id)
    db.session.execute(
        update(FunctionTest).where(FunctionTest.placement_id.in_(placements)).values(note=None),
        execution_options={"synchronize_session": False},
    )


def _both(first, second):
    """One scrub from two (either may be None: nothing to look for)."""
    if first is None or second is None:
        return first or second

    def scrub(text, limit=None):
        return second(first(text), limit)

    return scrub


def _delete_attachments(attachments: list[TicketAttachment]) -> None:
    """Remove the rows now and the files once the purge has committed (a file whose row
    came back in a rolled-back savepoint stays)."""
    if not attachments:
        return
    paths = {a.stored_name: path_of(a) for a in attachments}
    for attachment in attachments:
        db.session.delete(attachment)

    def unlink() -> None:
        try:
            _unlink_gone(paths)
        except (OSError, SQLAlchemyError):  # the rows are gone: a file left is logged
            log.exception("purge: attachment files not deleted")

    def _unlink_gone(paths) -> None:
        with db.engine.connect() as connection:
            kept = set(
                connection.scalars(
                    select(TicketAttachment.stored_name).where(
                        TicketAttachment.stored_name.in_(list(paths))
                    )
                )
            )
        for name, path in paths.items():
            if name not in kept:
                path.unlink(missing_ok=True)

    when_finished(committed=unlink)


def _tickets_since(moment):
    """Recipients with an open ticket, or one changed or a device tested since `moment`:
    not yet due for anonymising (the servicedesk may still need to call)."""
    return (
        select(Ticket.recipient_id)
        .where(Ticket.recipient_id.is_not(None), is_open_clause() | (Ticket.updated_at >= moment))
        .union(
            select(Placement.recipient_id)
            .join(FunctionTest, FunctionTest.placement_id == Placement.id)
            .where(FunctionTest.tested_at >= moment)
        )
    )


RECENT_ACTIVITY.append(_tickets_since)
