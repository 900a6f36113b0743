"""The audit log page: filter by object, actor, action and period."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from vftops.audit.permissions import AUDIT_VIEW
from vftops.audit.queries import audit_events_for
from vftops.auth.models import User
from vftops.auth.queries import visible_users
from vftops.core.audit import AuditEvent
from vftops.core.forms import Form, choices
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

# The stored summary is the record as written at the time (in Bokmål); the
# action is shown in the reader's language.
ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.logout": _l("Logged out"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "user.create": _l("User created"),
    "user.update": _l("User changed"),
    "user.profile": _l("Own profile changed"),
    "user.activate": _l("User activated"),
    "user.deactivate": _l("User deactivated"),
    "user.password_change": _l("Own password changed"),
    "user.password_reset": _l("Password set by administrator"),
    "municipality.create": _l("Municipality registered"),
    "municipality.update": _l("Municipality changed"),
    "unit.create": _l("Unit created"),
    "unit.update": _l("Unit changed"),
    "supplier.create": _l("Supplier registered"),
    "supplier.update": _l("Supplier changed"),
    "store.create": _l("Store created"),
    "store.update": _l("Store changed"),
    "store.archive": _l("Store archived"),
    "stock.receive": _l("Consumables received"),
    "stock.issue": _l("Consumables issued"),
    "stock.adjust": _l("Consumables adjusted"),
    "stock_minimum.set": _l("Stock minimum set"),
    "stock_minimum.accept": _l("Suggested stock minimum accepted"),
    "stock_minimum.delete": _l("Stock minimum removed"),
    "transfer.send": _l("Transfer sent"),
    "transfer.receive": _l("Transfer received"),
    "transfer.cancel": _l("Transfer cancelled"),
    "order.create": _l("Purchase order created"),
    "order.update": _l("Purchase order changed"),
    "order.send": _l("Purchase order sent"),
    "order.mailed": _l("Purchase order e-mailed to the supplier"),
    "order.cancel": _l("Purchase order cancelled"),
    "order.receive": _l("Delivery received"),
    "stock_count.start": _l("Stock count started"),
    "stock_count.confirm": _l("Stock count confirmed"),
    "stock_count.cancel": _l("Stock count cancelled"),
    "ticket.create": _l("Ticket registered"),
    "ticket.update": _l("Ticket changed"),
    "ticket.acknowledge": _l("Ticket acknowledged"),
    "ticket.assign": _l("Ticket assigned"),
    "ticket.in_progress": _l("Ticket in progress"),
    "ticket.waiting_reporter": _l("Ticket waiting for the reporter"),
    "ticket.waiting_supplier": _l("Ticket waiting for the supplier"),
    "ticket.resolved": _l("Ticket resolved"),
    "ticket.closed": _l("Ticket closed"),
    "ticket.note": _l("Internal note written on a ticket"),
    "ticket.reply": _l("Reply written on a ticket"),
    "ticket.escalate": _l("Ticket escalated to the supplier"),
    "ticket.supplier_response": _l("Supplier response recorded"),
    "ticket.link": _l("Ticket linked to an incident"),
    "ticket.unlink": _l("Ticket unlinked from an incident"),
    "ticket.replace": _l("Device replaced from a ticket"),
    "ticket.repair": _l("Device sent to repair from a ticket"),
    "ticket.attach": _l("Attachment added to a ticket"),
    "ticket.sla_sweep": _l("Service-level deadlines checked"),
    "team.create": _l("Team created"),
    "team.update": _l("Team changed"),
    "routing_rule.create": _l("Routing rule created"),
    "routing_rule.update": _l("Routing rule changed"),
    "routing_rule.delete": _l("Routing rule deleted"),
    "sla_target.set": _l("Service-level target set"),
    "sla_target.reset": _l("Service-level target back to the default"),
    "support_settings.save": _l("Support settings saved"),
    "function_test.record": _l("Function test recorded"),
    "product.create": _l("Product added to the catalogue"),
    "product.update": _l("Product changed"),
    "device.register": _l("Device registered"),
    "device.update": _l("Device changed"),
    "device.reset": _l("Device reset and back in stock"),
    "device.repair": _l("Device sent to repair"),
    "device.repaired": _l("Device back from repair"),
    "device.scrap": _l("Device scrapped"),
    "device.lost": _l("Device lost"),
    "device.found": _l("Device found"),
    "device.correction": _l("Device status corrected"),
    "recipient.create": _l("Recipient registered"),
    "recipient.update": _l("Recipient changed"),
    "recipient.view": _l("Recipient viewed"),
    "recipient.purge": _l("Recipients anonymised"),
    "audit.redact": _l("Personal data removed from the log"),
    "placement.install": _l("Device installed"),
    "placement.return": _l("Device taken back"),
    "visit.plan": _l("Job planned"),
    "visit.done": _l("Job done"),
    "visit.cancelled": _l("Job cancelled"),
}


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    object_type = SelectField(_l("Object"), choices=[], validators=[Optional()])
    object_id = StringField(_l("Object id"), validators=[Optional()])
    actor_id = SelectField(
        _l("Done by"), coerce=lambda v: int(v) if v else None, choices=[], validators=[Optional()]
    )
    action = StringField(
        _l("Action"), validators=[Optional()], description=_l("e.g. user.create or just user")
    )
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])


@bp.get("")
@require(AUDIT_VIEW)
def events():
    form = AuditFilterForm(request.args)
    form.object_type.choices = choices(
        [("", _("All objects"))]
        + [(t, t) for t in db.session.scalars(select(AuditEvent.object_type).distinct()).all()]
    )
    users = db.session.scalars(visible_users(current_user).order_by(User.full_name)).all()
    form.actor_id.choices = choices([("", _("Anyone"))] + [(u.id, str(u)) for u in users])
    form.validate()

    def clean(field):
        # A mistyped field is shown with its error; the other filters still apply.
        return None if field.errors else field.data

    stmt = audit_events_for(
        current_user,
        object_type=form.object_type.data or None,
        object_id=(form.object_id.data or "").strip() or None,
        actor_id=clean(form.actor_id),
        action=(form.action.data or "").strip() or None,
        date_from=clean(form.date_from),
        date_to=clean(form.date_to),
    )
    page = cursor_page(
        stmt, AuditEvent.id, limit=50, cursor=request.args.get("cursor"), descending=True
    )
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "audit/events.html", form=form, page=page, args=args, action_labels=ACTION_LABELS
    )
