"""The technician's day: the visit list, planning a visit and finishing it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.auth.models import User
from vftops.auth.queries import active_users_with
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.i18n import format_d
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, municipality_ids, optional_scoped_or_404
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import operations as ops
from vftops.equipment import pickers, queries
from vftops.equipment.forms import (
    VisitForm,
)
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Placement,
    Recipient,
    Visit,
)
from vftops.equipment.permissions import PLACEMENTS_MANAGE, RECIPIENTS_MANAGE

from .common import bp

# --- the technician's day ---------------------------------------------------------------


@bp.get("/my-day")
@require(PLACEMENTS_MANAGE)
def my_day():
    """«Mine oppdrag i dag»: my jobs for today and earlier ones not done, then the next week."""
    from datetime import timedelta

    today = local_today()
    rows = queries.planned_visits_of(current_user, today + timedelta(days=7))
    # Jobs planned from a support ticket link back to it, for those who may read it.
    tickets = {}
    if current_user.can("tickets.view"):  # support's permission, named by its code
        mine = municipality_ids(current_user)
        tickets = {
            v.ticket_id: v.ticket.title
            for v in rows
            if v.ticket is not None and v.ticket.municipality_id in mine
        }
    return render_template(
        "equipment/my_day.html",
        today=today,
        now=[v for v in rows if v.planned_on <= today],
        later=[v for v in rows if v.planned_on > today],
        tickets=tickets,
    )


@bp.route("/recipients/<int:recipient_id>/visits/new", methods=["GET", "POST"])
@require(RECIPIENTS_MANAGE)
def visit_new(recipient_id: int):
    recipient = get_scoped_or_404(Recipient, recipient_id, current_user)
    form = VisitForm()
    technicians = active_users_with(PLACEMENTS_MANAGE, municipalities=[recipient.municipality_id])
    form.assigned_to_id.choices = choices((u.id, u.full_name) for u in technicians)
    pickers.device_picker(
        form.device_id,
        current_user,
        ("", _("Decide at the store")),
        status=DeviceStatus.IN_STOCK.value,
        municipality_id=recipient.municipality_id,
    )
    current = queries.current_placements(recipient)
    form.placement_id.choices = choices(
        [("", _("None"))]
        + [(p.id, f"{p.device.serial_number} – {p.device.product.name}") for p in current]
    )
    if request.method == "GET":
        form.planned_on.data = local_today()
        if current_user.can(PLACEMENTS_MANAGE):
            form.assigned_to_id.data = current_user.id

    def run():
        return ops.plan_visit(
            actor(),
            recipient,
            kind=form.kind.data,
            assigned_to=optional_scoped_or_404(User, form.assigned_to_id.data, current_user),
            planned_on=form.planned_on.data,
            device=optional_scoped_or_404(Device, form.device_id.data, current_user),
            placement=optional_scoped_or_404(Placement, form.placement_id.data, current_user),
            note=form.note.data,
        )

    done = submit(form, run)
    if done.ok:
        flash(
            _(
                "The job is on %(name)s's list for %(date)s.",
                name=done.result.assigned_to.full_name,
                date=format_d(done.result.planned_on),
            ),
            "success",
        )
        return redirect(url_for("equipment.recipient_detail", recipient_id=recipient.id))
    return render_template("equipment/visit_form.html", form=form, recipient=recipient), done.status


@bp.post("/visits/<int:visit_id>/finish")
@require(PLACEMENTS_MANAGE)
def visit_finish(visit_id: int):
    from vftops.core.forms import ConfirmForm

    visit = get_scoped_or_404(Visit, visit_id, current_user)
    if ConfirmForm().validate_on_submit():
        status = "cancelled" if request.form.get("status") == "cancelled" else "done"
        try:
            ops.finish_visit(actor(), visit, status=status)
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(
                _("The job is marked as done.") if status == "done" else _("The job is cancelled."),
                "success",
            )
    return redirect(url_for("equipment.my_day"))
