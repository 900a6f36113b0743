"""Installing, returning and replacing a device at a recipient."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.web import actor, submit
from vftops.equipment import checklist as cl
from vftops.equipment import operations as ops
from vftops.equipment import pickers, queries
from vftops.equipment.forms import (
    InstallForm,
    ReplaceForm,
    ReturnForm,
)
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Placement,
    Recipient,
    Store,
    Visit,
)
from vftops.equipment.permissions import PLACEMENTS_MANAGE
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db

from .common import bp, store_choices

# --- install, return, replace ---------------------------------------------------------


@bp.route("/devices/<int:device_id>/install", methods=["GET", "POST"])
@require(PLACEMENTS_MANAGE)
def install(device_id: int):
    device = get_scoped_or_404(
        Device, device_id, current_user, options=(joinedload(Device.product),)
    )
    if device.status != DeviceStatus.IN_STOCK:
        flash(ops.status_conflict(device, "installed").message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form = InstallForm()
    if request.method == "GET":
        form.version.data = device.version
        form.recipient_id.data = request.args.get("recipient", type=db_int)
        form.visit_id.data = request.args.get("visit", type=db_int)
    pickers.recipient_picker(
        form.recipient_id,
        current_user,
        _("Choose a recipient"),
        municipality_ids={device.municipality_id},
    )

    def run():
        recipient = get_scoped_or_404(Recipient, form.recipient_id.data, current_user)
        return ops.install(
            actor(),
            device,
            recipient,
            config_note=form.config_note.data,
            config_settings=form.config_settings.data,
            training_note=form.training_note.data,
            follow_up_on=form.follow_up_on.data,
            expected_version=form.expected_version(),
            confirmed=form.confirmed.data,
            visit=_job(form.visit_id.data),
        )

    done = submit(form, run)
    if done.ok:
        flash(
            _(
                "%(serial)s is installed at %(name)s.",
                serial=device.serial_number,
                name=done.result.recipient.name,
            ),
            "success",
        )
        return redirect(
            url_for("equipment.recipient_detail", recipient_id=done.result.recipient_id)
        )
    warnings = (done.error.details.get("warnings") if done.error else None) or []
    return render_template(
        "equipment/install.html", form=form, device=device, warnings=warnings
    ), done.status


def _job(visit_id) -> Visit | None:
    """The job (from «My jobs today») an action is done from, in the user's municipalities."""
    if visit_id in (None, ""):
        return None
    return get_scoped_or_404(Visit, visit_id, current_user)


def _scoped_placement(placement_id: int) -> Placement:
    return get_scoped_or_404(
        Placement,
        placement_id,
        current_user,
        options=(
            joinedload(Placement.device).joinedload(Device.product),
            joinedload(Placement.recipient),
        ),
    )


@bp.route("/placements/<int:placement_id>/return", methods=["GET", "POST"])
@require(PLACEMENTS_MANAGE)
def return_device(placement_id: int):
    placement = _scoped_placement(placement_id)
    device = placement.device
    if not placement.is_open:
        flash(ops.status_conflict(device, "return").message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form = ReturnForm()
    store_choices(form.store_id, blank=_("Choose a store"), municipality_id=device.municipality_id)
    form.checklist.choices = choices(cl.checklist_items(device.product))
    if request.method == "GET":
        form.visit_id.data = request.args.get("visit", type=db_int)
    done = submit(
        form,
        lambda: ops.return_device(
            actor(),
            placement,
            reason=form.reason.data,
            destination=form.destination.data,
            store=optional_scoped_or_404(Store, form.store_id.data, current_user),
            checklist=form.checklist.data,
            note=form.note.data,
            visit=_job(form.visit_id.data),
        ),
    )
    if done.ok:
        flash(
            _(
                "%(serial)s is taken back: %(status)s.",
                serial=device.serial_number,
                status=STATUS_LABELS[DeviceStatus(device.status)],
            ),
            "success",
        )
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    return render_template(
        "equipment/return.html", form=form, placement=placement, device=device
    ), done.status


@bp.route("/placements/<int:placement_id>/replace", methods=["GET", "POST"])
@require(PLACEMENTS_MANAGE)
def replace(placement_id: int):
    placement = _scoped_placement(placement_id)
    device = placement.device
    if not placement.is_open:
        flash(ops.status_conflict(device, "return").message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form = ReplaceForm()
    spares = db.session.scalars(
        queries.devices_for(
            current_user,
            category=device.product.category,
            status=DeviceStatus.IN_STOCK.value,
            municipality_id=device.municipality_id,
        )
        .order_by(Device.serial_number)
        .limit(200)
    ).all()
    form.replacement_id.choices = choices(
        [("", _("Choose a device in stock"))]
        + [
            (d.id, f"{d.serial_number} – {d.product.name} ({d.store.name if d.store else ''})")
            for d in spares
        ]
    )
    store_choices(form.store_id, blank=_("Choose a store"), municipality_id=device.municipality_id)
    if request.method == "GET":
        form.visit_id.data = request.args.get("visit", type=db_int)

    def run():
        replacement = get_scoped_or_404(Device, form.replacement_id.data, current_user)
        return ops.replace_device(
            actor(),
            placement,
            replacement,
            destination=form.destination.data,
            store=optional_scoped_or_404(Store, form.store_id.data, current_user),
            note=form.note.data,
            visit=_job(form.visit_id.data),
        )

    done = submit(form, run)
    if done.ok:
        flash(
            _(
                "%(old)s is replaced by %(new)s with the same settings.",
                old=device.serial_number,
                new=done.result.device.serial_number,
            ),
            "success",
        )
        return redirect(url_for("equipment.recipient_detail", recipient_id=placement.recipient_id))
    return render_template(
        "equipment/replace.html", form=form, placement=placement, device=device, spares=spares
    ), done.status
