"""E-mail about tickets: the new assignee hears that a ticket is theirs.

`notify_assignment` is called by the pages and the API *after* the assignment is
committed. It sends one short e-mail (text and HTML, in the assignee's language,
with a link to the ticket under BASE_URL) through the SMTP settings the daily digest
uses (`vftops.core.mail`). Sending never breaks the request: a missing mail server,
an address the server refuses or a server that is down is logged and the function
returns False.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from vftops.core import mail
from vftops.core.db import when_finished
from vftops.core.i18n import format_dt
from vftops.core.urls import external_url
from vftops.extensions import db
from vftops.support.models import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS, Team, Ticket

log = logging.getLogger(__name__)

TITLE_IN_SUBJECT = 80


def _who(user) -> str:
    return (user.full_name or user.username) if user is not None else "vftops"


def ticket_link(ticket_id: int) -> str:
    """The ticket's page under BASE_URL."""
    return external_url("support.ticket_detail", ticket_id=ticket_id)


def assignment_message(ticket: Ticket, assignee, actor=None):
    """The e-mail, in the current language."""
    title = ticket.title
    if len(title) > TITLE_IN_SUBJECT:
        title = title[: TITLE_IN_SUBJECT - 1] + "…"
    subject = _("vftops: ticket #%(id)d is yours – %(title)s", id=ticket.id, title=title)
    # By the column: a relationship loaded before the assignment may name the team before.
    team = db.session.get(Team, ticket.team_id) if ticket.team_id else None
    if ticket.acknowledged_at is None:
        deadline = _("Acknowledge by %(at)s", at=format_dt(ticket.acknowledge_due_at))
    else:
        deadline = _("Resolve by %(at)s", at=format_dt(ticket.resolve_due_at))
    context = {
        "person": assignee,
        "ticket": ticket,
        "actor": _who(actor) if actor is not None else None,
        "kind": str(KIND_LABELS.get(ticket.kind, ticket.kind)),
        "priority": str(PRIORITY_LABELS.get(ticket.priority, ticket.priority)),
        "status": str(STATUS_LABELS.get(ticket.status, ticket.status)),
        "team": team.name if team is not None else None,
        "municipality": ticket.municipality.name,
        "deadline": deadline,
        "devices": [f"{d.product.name} {d.serial_number}" for d in ticket.devices],
        "link": ticket_link(ticket.id),
        "subject": subject,
    }
    return mail.message(
        to_name=assignee.full_name or assignee.username,
        to_address=assignee.email,
        subject=subject,
        text=mail.render("support/email/assigned.txt", **context),
        html=mail.render("support/email/assigned.html", **context),
        kind="ticket",
    )


def _default_actor():
    """The person making the request, when there is one."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def _current_assignee(ticket: Ticket):
    """The person the ticket is assigned to now, by its column (a relationship loaded
    before the assignment may still name the one before)."""
    from vftops.auth.models import User

    return db.session.get(User, ticket.assignee_id) if ticket.assignee_id else None


def _prepare(ticket: Ticket, assignee, actor):
    """The e-mail to send, or None when there is nobody to tell or it cannot be written.

    Nothing is sent when nobody was assigned, when people assign a ticket to
    themselves, or when the assignee is deactivated or has no e-mail address.
    """
    if assignee is None or (actor is not None and getattr(actor, "id", None) == assignee.id):
        return None
    if not assignee.is_active_user or not (assignee.email or "").strip():
        return None
    if not mail.is_configured():
        log.info("ticket #%s assigned to %s: no MAIL_SERVER, no e-mail", ticket.id, assignee.id)
        return None
    try:
        with force_locale(assignee.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            return assignment_message(ticket, assignee, actor)
    except Exception:  # the assignment stands whatever happens to the e-mail
        log.exception("ticket #%s: the assignment e-mail could not be written", ticket.id)
        return None


def _deliver(message, ticket_id: int, username: str) -> bool:
    try:
        mail.send_one(message)
    except Exception as error:  # a refused address or a server that is down: logged only
        reason = mail.describe(error) if isinstance(error, OSError | mail.ServerDown) else error
        log.warning(
            "ticket #%s: the assignment e-mail to %s was not sent: %s", ticket_id, username, reason
        )
        return False
    log.info("ticket #%s: assignment e-mail sent to %s", ticket_id, username)
    return True


def notify_assignment(ticket: Ticket, assignee=None, actor=None) -> bool:
    """Tell `assignee` (default: the ticket's assignee) by e-mail that `ticket` is theirs.

    Call it after the assignment is committed. True when the mail was sent. `actor`
    (default: the person making the request) is named in the mail; nobody is told
    about a ticket they assigned to themselves.
    """
    assignee = assignee if assignee is not None else _current_assignee(ticket)
    actor = actor if actor is not None else _default_actor()
    message = _prepare(ticket, assignee, actor)
    if message is None:
        return False
    return _deliver(message, ticket.id, assignee.username)


def notify_assignment_after_commit(ticket: Ticket, assignee=None, actor=None) -> None:
    """The same, for a caller still inside its transaction: the e-mail is written now and
    sent once the transaction is committed — and not at all if it is rolled back."""
    assignee = assignee if assignee is not None else _current_assignee(ticket)
    actor = actor if actor is not None else _default_actor()
    message = _prepare(ticket, assignee, actor)
    if message is None:
        return
    ticket_id, username = ticket.id, assignee.username
    when_finished(committed=lambda: _deliver(message, ticket_id, username))
