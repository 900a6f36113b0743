"""Device pages: the register, import, registering, receiving, editing, status, labels and
scanning."""

from __future__ import annotations

import os

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.db import stream_rows
from vftops.core.errors import DomainError
from vftops.core.forms import choices
from vftops.core.inputs import db_int, fits
from vftops.core.models import utcnow
from vftops.core.pagination import capped_page
from vftops.core.permissions import require
from vftops.core.picker import picker
from vftops.core.scope import get_scoped_or_404, optional_scoped_or_404
from vftops.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, download
from vftops.core.urls import url_builder
from vftops.core.validation import digits
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import checklist as cl
from vftops.equipment import operations as ops
from vftops.equipment import queries, transfer
from vftops.equipment.forms import (
    DeviceFilterForm,
    DeviceForm,
    ImportCommitForm,
    ImportForm,
    ReceiveForm,
    StatusForm,
)
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Product,
    Store,
)
from vftops.equipment.permissions import DEVICES_MANAGE, EQUIPMENT_VIEW, PLACEMENTS_MANAGE
from vftops.equipment.qr import qr_svg
from vftops.equipment.status import OWN_STEPS, STATUS_LABELS, TRANSITIONS
from vftops.extensions import db

from .common import bp, product_choices, product_filter, store_choices

# --- devices ------------------------------------------------------------------------


def _device_filters() -> tuple[DeviceFilterForm, dict]:
    """The device list's filters from the query string, and what `devices_for` takes.

    The list and its exports read the same filters, so an export is what the list shows.
    """
    filters = DeviceFilterForm(request.args)
    product_filter(filters.product_id, _("All products"))
    filters.status.choices = choices(
        [("", _("All statuses"))] + [(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    store_choices(filters.store_id, blank=_("All stores"))
    picker(filters.store_id)
    filters.validate()
    criteria = {
        "serial": filters.q.data,
        "product_id": filters.product_id.data if not filters.product_id.errors else None,
        "status": filters.status.data or None,
        "store_id": filters.store_id.data if not filters.store_id.errors else None,
    }
    return filters, criteria


@bp.get("/devices")
@require(EQUIPMENT_VIEW)
def devices():
    filters, criteria = _device_filters()
    stmt = queries.devices_for(current_user, **criteria).order_by(Device.serial_number)
    page = capped_page(stmt, page=request.args.get("page", 1, type=db_int), per_page=50)
    placements = queries.open_placements_by_device(
        [d.id for d in page.items if d.status == DeviceStatus.INSTALLED]
    )
    export_args = {k: v for k, v in request.args.items() if k in filters.data and v}
    # Choosing the device for a planned install («decide at the store»): each row in
    # stock offers to install it there, and doing so finishes the job.
    job = None
    wanted = request.args.get("visit", type=db_int)
    if wanted and current_user.can(PLACEMENTS_MANAGE):
        job = queries.planned_visit(current_user, wanted)
    # Just received: offer the labels for exactly that delivery.
    delivery = ",".join(
        i for i in request.args.get("delivery", "").split(",") if digits(i) and fits(int(i))
    )
    return render_template(
        "equipment/devices.html",
        page=page,
        filters=filters,
        placements=placements,
        export_args=export_args,
        delivery=delivery if 0 < delivery.count(",") + 1 <= LABEL_LIMIT else "",
        job=job,
    )


def _export(render, extension: str, mimetype: str):
    """The whole filtered list (not one page), written while it is sent."""
    _filters, criteria = _device_filters()
    statement = transfer.export_statement(queries.devices_for(current_user, **criteria))
    today = to_user_timezone(utcnow()).date().isoformat()
    return download(render(stream_rows(statement)), f"enheter-{today}.{extension}", mimetype)


@bp.get("/devices/export.csv")
@require(EQUIPMENT_VIEW)
def devices_export_csv():
    return _export(transfer.export_csv, "csv", CSV_MIMETYPE)


@bp.get("/devices/export.xlsx")
@require(EQUIPMENT_VIEW)
def devices_export_xlsx():
    return _export(transfer.export_xlsx, "xlsx", XLSX_MIMETYPE)


def _plan_upload(upload, shared_serial_ok: bool) -> tuple[transfer.ImportPlan, str | None, str]:
    """Read and check an uploaded file; keep it for the commit only if it can be registered."""
    data = upload.read()
    filename = os.path.basename(upload.filename or "")
    rows = transfer.parse_import(filename, data)
    plan = transfer.plan_import(actor(), rows, shared_serial_ok=shared_serial_ok)
    token = (
        transfer.save_upload(actor(), filename, data, shared_serial_ok=shared_serial_ok)
        if plan.ok
        else None
    )
    return plan, token, filename


def _import_preview(plan: transfer.ImportPlan, token: str | None, filename: str, status=None):
    form = ImportCommitForm(formdata=None, import_token=token)
    return render_template(
        "equipment/import_preview.html", plan=plan, token=token, filename=filename, form=form
    ), status or (200 if plan.ok else 422)


@bp.route("/devices/import", methods=["GET", "POST"])
@require(DEVICES_MANAGE)
def device_import():
    if request.method == "POST" and "import_token" in request.form:
        return _import_commit()
    form = ImportForm()
    done = submit(form, lambda: _plan_upload(form.file.data, form.shared_serial_ok.data))
    if done.ok:
        return _import_preview(*done.result)
    return render_template("equipment/import.html", form=form), done.status


def _import_commit():
    """«Register all»: check the kept upload again and register every row, or none."""
    form = ImportCommitForm()
    upload = transfer.load_upload(actor(), form.import_token.data)
    if upload is None:
        flash(
            _(
                "The uploaded file is no longer here: it has been registered already, "
                "or it is more than a day old. Upload it again."
            ),
            "warning",
        )
        return redirect(url_for("equipment.device_import"))
    try:
        rows = transfer.parse_import(upload.filename, upload.data)
    except DomainError as exc:
        transfer.discard_upload(upload.token)
        flash_domain_error(exc)
        return redirect(url_for("equipment.device_import"))
    done = submit(
        form,
        lambda: ops.import_devices(
            actor(),
            rows,
            reason=_("Import from %(file)s", file=upload.filename),
            shared_serial_ok=upload.shared_serial_ok,
        ),
    )
    if done.ok:
        transfer.discard_upload(upload.token)
        flash(
            ngettext(
                "%(num)d device is registered from %(file)s.",
                "%(num)d devices are registered from %(file)s.",
                len(done.result),
                file=upload.filename,
            ),
            "success",
        )
        return redirect(url_for("equipment.devices"))
    # Someone may have registered a serial since the preview: show what is refused now.
    # Without a refused row (someone was only faster for a moment) it may be tried again.
    plan = transfer.plan_import(actor(), rows, shared_serial_ok=upload.shared_serial_ok)
    if not plan.ok:
        transfer.discard_upload(upload.token)
    return _import_preview(plan, upload.token if plan.ok else None, upload.filename, done.status)


@bp.get("/devices/<int:device_id>")
@require(EQUIPMENT_VIEW)
def device_detail(device_id: int):
    device = get_scoped_or_404(
        Device,
        device_id,
        current_user,
        options=(joinedload(Device.product).joinedload(Product.supplier), joinedload(Device.store)),
    )
    placement = ops.open_placement(device)
    timeline, total = queries.device_timeline(
        device, limit=None if request.args.get("history") == "all" else 50
    )
    return render_template(
        "equipment/device_detail.html",
        device=device,
        placement=placement,
        timeline=timeline,
        timeline_total=total,
        next_statuses=[s for s in TRANSITIONS[DeviceStatus(device.status)] if s not in OWN_STEPS]
        if device.status != DeviceStatus.INSTALLED
        else [],
    )


def _device_form_data(form: DeviceForm) -> dict:
    return {
        "imei": form.imei.data,
        "iccid": form.iccid.data,
        "phone_number": form.phone_number.data,
        "mac_address": form.mac_address.data,
        "firmware_version": form.firmware_version.data,
        "ownership": form.ownership.data,
        "acquired_on": form.acquired_on.data,
        "cost": form.cost.data,
        "warranty_until": form.warranty_until.data,
    }


@bp.route("/devices/new", methods=["GET", "POST"])
@require(DEVICES_MANAGE)
def device_new():
    form = DeviceForm()
    product_choices(form.product_id)
    store_choices(form.store_id)

    def run():
        product = get_scoped_or_404(Product, form.product_id.data, current_user)
        return ops.register_device(
            actor(),
            product=product,
            store=get_scoped_or_404(Store, form.store_id.data, current_user),
            serial_number=form.serial_number.data,
            shared_serial_ok=form.shared_serial_ok.data,
            **_device_form_data(form),
        )

    done = submit(form, run)
    if done.ok:
        flash(_("%(serial)s is registered.", serial=done.result.serial_number), "success")
        return redirect(url_for("equipment.device_detail", device_id=done.result.id))
    existing = done.error.details.get("device_id") if done.error else None
    return render_template(
        "equipment/device_form.html", form=form, device=None, existing_device_id=existing
    ), done.status


@bp.route("/devices/<int:device_id>/edit", methods=["GET", "POST"])
@require(DEVICES_MANAGE)
def device_edit(device_id: int):
    device = get_scoped_or_404(Device, device_id, current_user)
    form = DeviceForm(obj=device)
    del form.product_id, form.store_id
    if request.method == "GET":
        form.cost.data = str(device.cost) if device.cost is not None else ""
    done = submit(
        form,
        lambda: ops.update_device(
            actor(),
            device,
            serial_number=form.serial_number.data,
            expected_version=form.expected_version(),
            shared_serial_ok=form.shared_serial_ok.data,
            **_device_form_data(form),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    return render_template("equipment/device_form.html", form=form, device=device), done.status


@bp.route("/devices/receive", methods=["GET", "POST"])
@require(DEVICES_MANAGE)
def receive():
    form = ReceiveForm()
    product_choices(form.product_id)
    store_choices(form.store_id)

    def run():
        product = get_scoped_or_404(Product, form.product_id.data, current_user)
        return ops.receive_devices(
            actor(),
            product=product,
            store=get_scoped_or_404(Store, form.store_id.data, current_user),
            serial_lines=(form.serials.data or "").splitlines(),
            reason=form.reason.data,
            shared_serial_ok=form.shared_serial_ok.data,
        )

    done = submit(form, run)
    if done.ok:
        flash(
            ngettext(
                "%(num)d device is registered on %(store)s.",
                "%(num)d devices are registered on %(store)s.",
                len(done.result),
                store=done.result[0].store.name,
            ),
            "success",
        )
        return redirect(
            url_for(
                "equipment.devices",
                store_id=form.store_id.data,
                delivery=",".join(str(d.id) for d in done.result[:LABEL_LIMIT]),
            )
        )
    return render_template("equipment/receive.html", form=form), done.status


@bp.route("/devices/<int:device_id>/status", methods=["GET", "POST"])
@require(DEVICES_MANAGE)
def device_status(device_id: int):
    device = get_scoped_or_404(Device, device_id, current_user)
    form = StatusForm()
    allowed = [s for s in TRANSITIONS[DeviceStatus(device.status)] if s not in OWN_STEPS]
    if device.status == DeviceStatus.INSTALLED or not allowed:
        flash(ops.status_conflict(device).message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form.to_status.choices = choices((s.value, STATUS_LABELS[s]) for s in sorted(allowed))
    store_choices(
        form.store_id, blank=_("The store it is in now"), municipality_id=device.municipality_id
    )
    form.checklist.choices = choices(cl.checklist_items(device.product))
    if request.method == "GET":
        form.version.data = device.version
        wanted = request.args.get("to")
        if wanted in {s.value for s in allowed}:
            form.to_status.data = wanted
    done = submit(
        form,
        lambda: ops.change_status(
            actor(),
            device,
            form.to_status.data,
            store=optional_scoped_or_404(Store, form.store_id.data, current_user),
            reason=form.reason.data,
            checklist=form.checklist.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The status is changed."), "success")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    return render_template("equipment/status_form.html", form=form, device=device), done.status


# --- labels and scanning --------------------------------------------------------------

LABEL_LIMIT = 500


@bp.get("/devices/labels")
@require(EQUIPMENT_VIEW)
def labels():
    """A printable sheet of QR labels for the filtered list, or for chosen devices (?ids=)."""
    ids = [
        int(i) for i in request.args.get("ids", "").split(",") if digits(i.strip()) and fits(int(i))
    ]
    if ids:
        stmt = queries.devices_for(current_user).where(Device.id.in_(ids))
    else:
        _filters, criteria = _device_filters()
        stmt = queries.devices_for(current_user, **criteria)
    rows = db.session.scalars(stmt.order_by(Device.serial_number).limit(LABEL_LIMIT + 1)).all()
    too_many = len(rows) > LABEL_LIMIT
    rows = rows[:LABEL_LIMIT]
    # The label points to BASE_URL, never to the Host the request happened to name.
    link = url_builder()
    codes = {d.id: qr_svg(link("equipment.device_detail", {"device_id": d.id})) for d in rows}
    return render_template("equipment/labels.html", devices=rows, codes=codes, too_many=too_many)


@bp.get("/scan")
@require(EQUIPMENT_VIEW)
def scan():
    """Scan a label with the phone's camera, or type the number."""
    return render_template("equipment/scan.html")
