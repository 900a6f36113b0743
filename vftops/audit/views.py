"""The audit log page: filter by object, actor, action and period; each entry reads in the
reader's language (`vftops.audit.present`)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional

from vftops.audit.permissions import AUDIT_VIEW
from vftops.audit.present import object_kinds, present
from vftops.audit.queries import audit_events_for, object_types
from vftops.auth.models import User
from vftops.auth.queries import visible_users
from vftops.core.audit import AuditEvent
from vftops.core.forms import Form, choices
from vftops.core.pagination import cursor_page
from vftops.core.permissions import require
from vftops.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


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
    types = object_types()
    form.object_type.choices = choices([("", _("All objects")), *object_kinds(types)])
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
        "audit/events.html",
        form=form,
        page=page,
        lines=present(page.items, current_user),
        args=args,
    )
