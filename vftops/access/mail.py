"""E-mail about orders: the orderer hears when a task of their order is done or refused.

Written while the change is being made and sent once it is committed (never for a
change that was undone), in the orderer's language, with a link to the order. Sending
never breaks the request: a missing mail server or a refused address is logged."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from vftops.access.models import AccessTask, TaskAction, TaskStatus
from vftops.core import mail
from vftops.core.db import when_finished
from vftops.core.urls import external_url

log = logging.getLogger(__name__)


def task_message(task: AccessTask, actor):
    """The e-mail to the orderer, in the current language."""
    order = task.order
    person = order.ordered_by
    role = task.role.name if task.role is not None else ""
    if task.status == TaskStatus.REFUSED:
        subject = _(
            "vftops: access to %(system)s for %(name)s was refused",
            system=task.system.name,
            name=order.holder_name,
        )
    elif task.action == TaskAction.GRANT:
        subject = _(
            "vftops: %(name)s has access to %(system)s",
            name=order.holder_name,
            system=task.system.name,
        )
    else:
        subject = _(
            "vftops: %(name)s's access to %(system)s is ended",
            name=order.holder_name,
            system=task.system.name,
        )
    context = {
        "person": person,
        "order": order,
        "task": task,
        "role": role,
        "actor": (actor.full_name or actor.username) if actor is not None else "vftops",
        "link": external_url("access.order_detail", order_id=order.id),
        "subject": subject,
        "open_left": sum(1 for t in order.tasks if t.status == TaskStatus.OPEN),
    }
    return mail.message(
        to_name=person.full_name or person.username,
        to_address=person.email,
        subject=subject,
        text=mail.render("access/email/task_closed.txt", **context),
        html=mail.render("access/email/task_closed.html", **context),
        kind="access-order",
    )


def tell_orderer_after_commit(task: AccessTask, actor) -> None:
    """Write the orderer's e-mail now; send it once the change is committed."""
    order = task.order
    if order is None:
        return
    person = order.ordered_by
    if not person.is_active_user or not (person.email or "").strip():
        return
    if actor is not None and actor.id == person.id:
        return  # who did it knows
    if not mail.is_configured():
        log.info("access task #%s closed: no MAIL_SERVER, no e-mail", task.id)
        return
    try:
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            message = task_message(task, actor)
    except Exception:  # the task stands whatever happens to the e-mail
        log.exception("access task #%s: the orderer's e-mail could not be written", task.id)
        return
    task_id, username = task.id, person.username

    def deliver() -> None:
        try:
            mail.send_one(message)
        except Exception as error:  # logged only
            reason = mail.describe(error) if isinstance(error, OSError | mail.ServerDown) else error
            log.warning("access task #%s: e-mail to %s not sent: %s", task_id, username, reason)
            return
        log.info("access task #%s: the orderer %s was told", task_id, username)

    when_finished(committed=deliver)
