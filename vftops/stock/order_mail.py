"""A purchase order sent to the supplier by e-mail: the lines in the body and as a
spreadsheet, from the person who sent it.

Sending an order (`operations.send_order`) marks it sent and, when the supplier has
an order address and the installation can send e-mail, names the address on the
order. The e-mail leaves after that change is committed (never for an order whose
sending was undone); then when it left, to whom and its Message-ID are recorded on
the order, or why it could not leave. The daily run (`flask vftops notify`) tries
again every order whose e-mail has not left. A supplier without an order address
gets a printed order instead: the page says «Merk som sendt».
"""

from __future__ import annotations

import logging
from decimal import Decimal
from email.headerregistry import Address

from flask import current_app, flash, has_request_context
from flask_babel import force_locale, format_currency
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from vftops.core import audit, mail, spreadsheet
from vftops.core.db import when_finished
from vftops.core.i18n import format_d
from vftops.core.models import utcnow
from vftops.extensions import db
from vftops.stock.models import PurchaseOrder, PurchaseOrderLine

log = logging.getLogger(__name__)

# The daily run stops trying after this many attempts; the order page then says so.
MAX_ATTEMPTS = 10


def can_mail(order: PurchaseOrder) -> bool:
    """Will «send» e-mail the order: the supplier has an order address, and e-mail is set up."""
    return bool(order.supplier.order_email) and mail.is_configured()


def _money(value: Decimal | None) -> str:
    return format_currency(value, "NOK") if value is not None else ""


def order_lines(order: PurchaseOrder) -> list[dict]:
    return [
        {
            "product": line.product.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "sum": line.unit_price * line.quantity if line.unit_price is not None else None,
            "unit_price_text": _money(line.unit_price),
            "sum_text": _money(line.unit_price * line.quantity)
            if line.unit_price is not None
            else "",
        }
        for line in order.lines
    ]


def attachment(order: PurchaseOrder) -> bytes:
    """The order as a one-sheet workbook: product, quantity, unit price, sum."""
    headers = [_("Product"), _("Quantity"), _("Unit price (NOK)"), _("Sum (NOK)")]
    rows = [
        [line["product"], line["quantity"], line["unit_price"], line["sum"]]
        for line in order_lines(order)
    ]
    return spreadsheet.xlsx_bytes(_("Order %(number)s", number=order.number), headers, rows)


def order_message(order: PurchaseOrder, sender=None):
    """The e-mail to the supplier, in Bokmål (a business letter), with the workbook."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _(
            "Order %(number)s from %(municipality)s",
            number=order.number,
            municipality=order.municipality.name,
        )
        lines = order_lines(order)
        context = {
            "order": order,
            "lines": lines,
            "total": _money(sum((line["sum"] for line in lines if line["sum"]), Decimal(0)))
            if any(line["sum"] is not None for line in lines)
            else "",
            "expected_on": format_d(order.expected_on),
            "store": order.store,
            "sender": sender,
            "subject": subject,
        }
        message = mail.message(
            to_name=order.supplier.name,
            to_address=order.mail_to,
            subject=subject,
            text=mail.render("stock/email/order.txt", **context),
            html=mail.render("stock/email/order.html", **context),
            kind="order",
        )
        # A person sends an order; replies about it go to them, not to a machine.
        del message["Auto-Submitted"]
        if sender is not None and sender.email:
            message["Reply-To"] = Address(
                display_name=sender.full_name or sender.username, addr_spec=sender.email
            )
        message.add_attachment(
            attachment(order),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"bestilling-{order.number}.xlsx",
        )
    return message


def _load(session: Session, order_id: int) -> PurchaseOrder | None:
    return session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.id == order_id)
        .options(
            joinedload(PurchaseOrder.supplier),
            joinedload(PurchaseOrder.store),
            joinedload(PurchaseOrder.municipality),
            joinedload(PurchaseOrder.created_by),
            selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.product),
        )
    )


def deliver(order_id: int, *, sender_id: int | None = None, mailer=None) -> bool:
    """Send the order's e-mail now and record the outcome on the order (its own session
    and transaction). True when it left. Replies go to `sender_id` (default: who made
    the order); `mailer` reuses one SMTP connection."""
    from vftops.auth.models import User

    with Session(db.engine) as session, session.begin():
        order = _load(session, order_id)
        if order is None or order.mail_to is None or order.mailed_at is not None:
            return False
        sender = session.get(User, sender_id) if sender_id else order.created_by
        message = order_message(order, sender)
        try:
            if mailer is not None:
                mailer.send(message)
            else:
                mail.send_one(message)
        except Exception as error:  # the server is down or refused the address: try later
            reason = mail.describe(error) if isinstance(error, OSError | mail.ServerDown) else error
            session.execute(
                update(PurchaseOrder)
                .where(PurchaseOrder.id == order_id)
                .values(
                    mail_error=str(reason)[:300],
                    mail_attempts=PurchaseOrder.mail_attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            log.warning(
                "order %s: the e-mail to %s was not sent: %s", order.number, order.mail_to, reason
            )
            return False
        session.execute(
            update(PurchaseOrder)
            .where(PurchaseOrder.id == order_id)
            .values(
                mailed_at=utcnow(),
                mail_message_id=message["Message-ID"],
                mail_error=None,
                mail_attempts=PurchaseOrder.mail_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        audit.record(
            None,
            "order.mailed",
            order,
            f"Bestilling {order.number} sendt på e-post til {order.mail_to}",
            changes={"mailed_to": {"before": None, "after": order.mail_to}},
            municipality_id=order.municipality_id,
            session=session,
        )
        log.info("order %s: e-mailed to %s", order.number, order.mail_to)
        return True


def deliver_after_commit(order: PurchaseOrder, sender=None) -> None:
    """Send the order's e-mail once the sending is committed, and say on the page how it went."""
    order_id, number, address = order.id, order.number, order.mail_to
    sender_id = sender.id if sender is not None else None

    def send() -> None:
        sent = deliver(order_id, sender_id=sender_id)
        if not has_request_context():
            return
        if sent:
            flash(
                _("Order %(number)s is e-mailed to %(address)s.", number=number, address=address),
                "success",
            )
        else:
            flash(
                _(
                    "Order %(number)s is marked as sent, but the e-mail to %(address)s could "
                    "not go: it is tried again in the daily run. You can also print the order "
                    "and send it yourself.",
                    number=number,
                    address=address,
                ),
                "warning",
            )

    when_finished(committed=send)


def unsent(limit: int = 200) -> list[int]:
    """Orders whose e-mail has not left yet, oldest first (for the daily run)."""
    return list(
        db.session.scalars(
            select(PurchaseOrder.id)
            .where(
                PurchaseOrder.mail_to.is_not(None),
                PurchaseOrder.mailed_at.is_(None),
                PurchaseOrder.mail_attempts < MAX_ATTEMPTS,
            )
            .order_by(PurchaseOrder.sent_at)
            .limit(limit)
        )
    )
