"""Pages for the equipment register and the technician's day."""

from __future__ import annotations

import os

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.agreements.models import Supplier
from vftops.core.db import stream_rows, writes
from vftops.core.errors import ConflictError, DomainError
from vftops.core.forms import choices
from vftops.core.i18n import format_d
from vftops.core.inputs import db_int, fits
from vftops.core.models import local_today, utcnow
from vftops.core.pagination import capped_page
from vftops.core.permissions import Permission, login_required, require
from vftops.core.picker import LOOKUP_LIMIT, PRELOAD, lookup_answer, lookup_query, narrowing, picker
from vftops.core.scope import get_scoped_or_404, municipality_ids, scoped
from vftops.core.spreadsheet import CSV_MIMETYPE, XLSX_MIMETYPE, download
from vftops.core.urls import url_builder
from vftops.core.validation import digits
from vftops.core.web import flash_domain_error, submit
from vftops.equipment import checklist as cl
from vftops.equipment import operations as ops
from vftops.equipment import pickers, queries, transfer
from vftops.equipment.forms import (
    VISIT_KIND_LABELS,
    DeviceFilterForm,
    DeviceForm,
    ImportCommitForm,
    ImportForm,
    InstallForm,
    ProductForm,
    ReceiveForm,
    RecipientForm,
    ReplaceForm,
    ReturnForm,
    StatusForm,
    VisitForm,
)
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.labels import (
    CATEGORY_LABELS,
    DESTINATION_LABELS,
    MOVEMENT_LABELS,
    OWNERSHIP_LABELS,
    RETURN_REASON_LABELS,
)
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Placement,
    Product,
    Recipient,
    Store,
    Visit,
    VisitStatus,
)
from vftops.equipment.qr import qr_svg
from vftops.equipment.status import OWN_STEPS, STATUS_LABELS, TRANSITIONS
from vftops.extensions import db
from vftops.org.models import Municipality, Unit

bp = Blueprint("equipment", __name__)

P = Permission


@bp.app_context_processor
def equipment_labels():
    return {
        "category_labels": CATEGORY_LABELS,
        "status_labels": STATUS_LABELS,
        "movement_labels": MOVEMENT_LABELS,
        "reason_labels": RETURN_REASON_LABELS,
        "ownership_labels": OWNERSHIP_LABELS,
        "destination_labels": DESTINATION_LABELS,
        "visit_kind_labels": VISIT_KIND_LABELS,
    }


def _actor():
    return current_user._get_current_object()


def _store_choices(field, *, blank: str | None = None, municipality_id: int | None = None):
    stores = db.session.scalars(queries.stores_for(current_user)).all()
    if municipality_id is not None:
        # Its own municipality's stores and those shared with it (the operations allow both).
        stores = [s for s in stores if s.serves(municipality_id)]
    pairs = [(s.id, f"{s.name} ({s.municipality.name})") for s in stores]
    field.choices = choices(([("", blank)] if blank else []) + pairs)


def _product_choices(field, *, blank: str | None = None, serialised_only: bool = True):
    # A catalogue can hold thousands of products: read only the columns the
    # option needs and translate each category once, not once per option.
    stmt = select(Product.id, Product.manufacturer, Product.model, Product.category).where(
        Product.is_active.is_(True)
    )
    if serialised_only:
        stmt = stmt.where(Product.is_serialised.is_(True))
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    rows = db.session.execute(stmt.order_by(Product.manufacturer, Product.model)).all()
    field.choices = choices(
        ([("", blank)] if blank else [])
        + [
            (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
            for pid, manufacturer, model, category in rows
        ]
    )


def _product_filter(field, blank: str) -> None:
    """The device list's product filter: at most PRELOAD products in the page (narrowed by
    `?product_id_q=` without JavaScript), the chosen one among them; the type-ahead asks
    the product lookup for the rest. A catalogue of 2,000 made the list page 156 KB."""
    wanted = narrowing(field.name)
    stmt = select(Product.id, Product.manufacturer, Product.model, Product.category).where(
        Product.is_active.is_(True)
    )
    if wanted:
        stmt = stmt.where(_product_matches(wanted))
    rows = db.session.execute(
        stmt.order_by(Product.manufacturer, Product.model).limit(PRELOAD + 1)
    ).all()
    more = len(rows) > PRELOAD or bool(wanted)
    rows = rows[:PRELOAD]
    # A number beyond what the database holds is the form's error, not a query.
    chosen = field.data if isinstance(field.data, int) and fits(field.data) else None
    if chosen is not None and chosen not in {row[0] for row in rows}:
        rows = [
            *db.session.execute(
                select(Product.id, Product.manufacturer, Product.model, Product.category).where(
                    Product.id == chosen
                )
            ).all(),
            *rows,
        ]
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    field.choices = choices(
        [("", blank)]
        + [
            (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
            for pid, manufacturer, model, category in rows
        ]
    )
    picker(field, url_for("equipment.product_lookup"), more=more)


def _product_matches(wanted: str):
    """Part of «manufacturer model», case-insensitive."""
    name = db.func.lower(Product.manufacturer + " " + Product.model)
    return name.contains(wanted.lower(), autoescape=True)


def _scoped_store(store_id):
    if not store_id:
        return None
    return get_scoped_or_404(Store, store_id, current_user)


# --- devices ------------------------------------------------------------------------


def _device_filters() -> tuple[DeviceFilterForm, dict]:
    """The device list's filters from the query string, and what `devices_for` takes.

    The list and its exports read the same filters, so an export is what the list shows.
    """
    filters = DeviceFilterForm(request.args)
    _product_filter(filters.product_id, _("All products"))
    filters.status.choices = choices(
        [("", _("All statuses"))] + [(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    _store_choices(filters.store_id, blank=_("All stores"))
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
@require(P.EQUIPMENT_VIEW)
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
    if wanted and current_user.can(P.PLACEMENTS_MANAGE):
        job = db.session.scalar(
            scoped(select(Visit), Visit, current_user)
            .where(Visit.id == wanted, Visit.status == VisitStatus.PLANNED)
            .options(joinedload(Visit.recipient))
        )
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
@require(P.EQUIPMENT_VIEW)
def devices_export_csv():
    return _export(transfer.export_csv, "csv", CSV_MIMETYPE)


@bp.get("/devices/export.xlsx")
@require(P.EQUIPMENT_VIEW)
def devices_export_xlsx():
    return _export(transfer.export_xlsx, "xlsx", XLSX_MIMETYPE)


def _plan_upload(upload, shared_serial_ok: bool) -> tuple[transfer.ImportPlan, str | None, str]:
    """Read and check an uploaded file; keep it for the commit only if it can be registered."""
    data = upload.read()
    filename = os.path.basename(upload.filename or "")
    rows = transfer.parse_import(filename, data)
    plan = transfer.plan_import(_actor(), rows, shared_serial_ok=shared_serial_ok)
    token = (
        transfer.save_upload(_actor(), filename, data, shared_serial_ok=shared_serial_ok)
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
@require(P.DEVICES_MANAGE)
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
    upload = transfer.load_upload(_actor(), form.import_token.data)
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
            _actor(),
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
    plan = transfer.plan_import(_actor(), rows, shared_serial_ok=upload.shared_serial_ok)
    if not plan.ok:
        transfer.discard_upload(upload.token)
    return _import_preview(plan, upload.token if plan.ok else None, upload.filename, done.status)


@bp.get("/devices/<int:device_id>")
@require(P.EQUIPMENT_VIEW)
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
@require(P.DEVICES_MANAGE)
def device_new():
    form = DeviceForm()
    _product_choices(form.product_id)
    _store_choices(form.store_id)

    def run():
        product = db.session.get(Product, form.product_id.data) or abort(404)
        return ops.register_device(
            _actor(),
            product=product,
            store=_scoped_store(form.store_id.data) or abort(404),
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
@require(P.DEVICES_MANAGE)
def device_edit(device_id: int):
    device = get_scoped_or_404(Device, device_id, current_user)
    form = DeviceForm(obj=device)
    del form.product_id, form.store_id
    if request.method == "GET":
        form.cost.data = str(device.cost) if device.cost is not None else ""
    done = submit(
        form,
        lambda: ops.update_device(
            _actor(),
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
@require(P.DEVICES_MANAGE)
def receive():
    form = ReceiveForm()
    _product_choices(form.product_id)
    _store_choices(form.store_id)

    def run():
        product = db.session.get(Product, form.product_id.data) or abort(404)
        return ops.receive_devices(
            _actor(),
            product=product,
            store=_scoped_store(form.store_id.data) or abort(404),
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
@require(P.DEVICES_MANAGE)
def device_status(device_id: int):
    device = get_scoped_or_404(Device, device_id, current_user)
    form = StatusForm()
    allowed = [s for s in TRANSITIONS[DeviceStatus(device.status)] if s not in OWN_STEPS]
    if device.status == DeviceStatus.INSTALLED or not allowed:
        flash(ops.status_conflict(device).message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form.to_status.choices = choices((s.value, STATUS_LABELS[s]) for s in sorted(allowed))
    _store_choices(
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
            _actor(),
            device,
            form.to_status.data,
            store=_scoped_store(form.store_id.data),
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
@require(P.EQUIPMENT_VIEW)
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
@require(P.EQUIPMENT_VIEW)
def scan():
    """Scan a label with the phone's camera, or type the number."""
    return render_template("equipment/scan.html")


# --- install, return, replace ---------------------------------------------------------


@bp.route("/devices/<int:device_id>/install", methods=["GET", "POST"])
@require(P.PLACEMENTS_MANAGE)
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
            _actor(),
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
@require(P.PLACEMENTS_MANAGE)
def return_device(placement_id: int):
    placement = _scoped_placement(placement_id)
    device = placement.device
    if not placement.is_open:
        flash(ops.status_conflict(device, "return").message, "warning")
        return redirect(url_for("equipment.device_detail", device_id=device.id))
    form = ReturnForm()
    _store_choices(form.store_id, blank=_("Choose a store"), municipality_id=device.municipality_id)
    form.checklist.choices = choices(cl.checklist_items(device.product))
    if request.method == "GET":
        form.visit_id.data = request.args.get("visit", type=db_int)
    done = submit(
        form,
        lambda: ops.return_device(
            _actor(),
            placement,
            reason=form.reason.data,
            destination=form.destination.data,
            store=_scoped_store(form.store_id.data),
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
@require(P.PLACEMENTS_MANAGE)
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
    _store_choices(form.store_id, blank=_("Choose a store"), municipality_id=device.municipality_id)
    if request.method == "GET":
        form.visit_id.data = request.args.get("visit", type=db_int)

    def run():
        replacement = get_scoped_or_404(Device, form.replacement_id.data, current_user)
        return ops.replace_device(
            _actor(),
            placement,
            replacement,
            destination=form.destination.data,
            store=_scoped_store(form.store_id.data),
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


# --- catalogue ----------------------------------------------------------------------


@bp.get("/products")
@require(P.EQUIPMENT_VIEW)
def products():
    rows = db.session.scalars(
        queries.products(
            active_only=request.args.get("all") != "1",
            category=request.args.get("category") or None,
        )
    ).all()
    return render_template("equipment/products.html", products=rows)


def _supplier_choices(form: ProductForm):
    suppliers = db.session.scalars(
        select(Supplier).where(Supplier.is_active.is_(True)).order_by(Supplier.name)
    ).all()
    form.supplier_id.choices = choices(
        [("", _("No supplier"))] + [(s.id, s.name) for s in suppliers]
    )


def _product_data(form: ProductForm) -> dict:
    return {
        "category": form.category.data,
        "manufacturer": form.manufacturer.data,
        "model": form.model.data,
        "is_serialised": form.is_serialised.data,
        "stores_personal_data": form.stores_personal_data.data,
        "standard_configuration": form.standard_configuration.data,
        "lifetime_months": form.lifetime_months.data,
        "return_checklist": form.return_checklist.data,
        "supplier_id": form.supplier_id.data,
        "monthly_rent": form.monthly_rent.data,
        "test_interval_months": form.test_interval_months.data,
    }


@bp.route("/products/new", methods=["GET", "POST"])
@require(P.CATALOGUE_MANAGE)
def product_new():
    form = ProductForm()
    del form.is_active
    _supplier_choices(form)
    done = submit(form, lambda: ops.create_product(_actor(), **_product_data(form)))
    if done.ok:
        flash(_("%(name)s is added to the catalogue.", name=done.result.name), "success")
        return redirect(url_for("equipment.products"))
    return render_template("equipment/product_form.html", form=form, product=None), done.status


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@require(P.CATALOGUE_MANAGE)
def product_edit(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    form = ProductForm(obj=product)
    _supplier_choices(form)
    if request.method == "GET":
        form.return_checklist.data = "\n".join(product.return_checklist or [])
    done = submit(
        form,
        lambda: ops.update_product(
            _actor(),
            product,
            expected_version=form.expected_version(),
            is_active=form.is_active.data,
            **_product_data(form),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("equipment.products"))
    return render_template("equipment/product_form.html", form=form, product=product), done.status


# --- recipients ---------------------------------------------------------------------


@bp.get("/recipients")
@require(P.RECIPIENTS_VIEW)
def recipients():
    q = request.args.get("q", "").strip()
    critical = request.args.get("critical") == "1"
    stmt = queries.recipients_for(current_user, q=q, critical=critical, by_address=True).order_by(
        Recipient.name
    )
    page = db.paginate(
        stmt, page=request.args.get("page", 1, type=db_int), per_page=50, error_out=False
    )
    return render_template("equipment/recipients.html", page=page, q=q, critical=critical)


@bp.get("/recipients/lookup")
@require(P.RECIPIENTS_VIEW)
def recipient_lookup():
    """The recipient picker's answers: name, address or the start of a journal reference."""
    wanted = []
    for value in request.args.getlist("municipality_id"):
        try:
            wanted.append(db_int(value))
        except (TypeError, ValueError):
            abort(400)
    rows = pickers.lookup_recipients(current_user, lookup_query(), wanted)
    return lookup_answer((r.id, pickers.recipient_label(r)) for r in rows)


@bp.get("/products/lookup")
@require(P.EQUIPMENT_VIEW)
def product_lookup():
    """The product picker's answers: part of the manufacturer and model."""
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    rows = db.session.execute(
        select(Product.id, Product.manufacturer, Product.model, Product.category)
        .where(Product.is_active.is_(True), _product_matches(lookup_query()))
        .order_by(Product.manufacturer, Product.model)
        .limit(LOOKUP_LIMIT)
    )
    return lookup_answer(
        (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
        for pid, manufacturer, model, category in rows
    )


@bp.get("/devices/lookup")
@require(P.EQUIPMENT_VIEW)
def device_lookup():
    """The device picker's answers: the start or the end of a serial."""
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in DeviceStatus}:
        abort(400)
    municipality_id = request.args.get("municipality_id") or None
    if municipality_id is not None:
        try:
            municipality_id = db_int(municipality_id)
        except (TypeError, ValueError):
            abort(400)
    rows = pickers.lookup_devices(current_user, lookup_query(), status, municipality_id)
    return lookup_answer((d.id, pickers.device_label(d)) for d in rows)


@bp.get("/recipients/service-ended")
@require(P.RECIPIENTS_VIEW)
def service_ended():
    rows = db.session.scalars(
        queries.service_ended_with_devices_out(current_user).order_by(Recipient.service_ended_on)
    ).all()
    return render_template("equipment/service_ended.html", recipients=rows)


@bp.get("/recipients/<int:recipient_id>")
@require(P.RECIPIENTS_VIEW)
@writes  # the view of personal data is logged
def recipient_detail(recipient_id: int):
    recipient = get_scoped_or_404(
        Recipient,
        recipient_id,
        current_user,
        options=(joinedload(Recipient.unit), joinedload(Recipient.municipality)),
    )
    ops.record_recipient_view(_actor(), recipient)
    current, past, past_total = queries.recipient_history(
        recipient, limit=None if request.args.get("history") == "all" else 50
    )
    return render_template(
        "equipment/recipient_detail.html",
        recipient=recipient,
        current=current,
        past=past,
        past_total=past_total,
    )


def _fill_recipient_choices(form: RecipientForm):
    mids = municipality_ids(current_user)
    municipalities = db.session.scalars(
        select(Municipality).where(Municipality.id.in_(mids)).order_by(Municipality.name)
    ).all()
    form.municipality_id.choices = choices((m.id, m.name) for m in municipalities)
    units = db.session.scalars(
        select(Unit)
        .where(Unit.municipality_id.in_(mids), Unit.is_active.is_(True))
        .order_by(Unit.name)
    ).all()
    names = {m.id: m.name for m in municipalities}
    form.unit_id.choices = choices(
        [("", _("No unit"))] + [(u.id, f"{u.name} ({names[u.municipality_id]})") for u in units]
    )


def parse_relatives(text: str | None) -> list[dict]:
    """«Name; phone; relation; yes» per line, as the form explains."""
    rows = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split(";")]
        if not parts or not parts[0]:
            continue
        parts += [""] * (4 - len(parts))
        rows.append(
            {
                "name": parts[0],
                "phone": parts[1],
                "relation": parts[2],
                "responds_to_alarms": parts[3].lower() in {"ja", "j", "yes", "y", "x", "1"},
            }
        )
    return rows


def format_relatives(recipient: Recipient) -> str:
    return "\n".join(
        "; ".join(
            [r.name, r.phone or "", r.relation or "", "ja" if r.responds_to_alarms else ""]
        ).rstrip("; ")
        for r in recipient.relatives
    )


def _recipient_data(form: RecipientForm) -> dict:
    return {
        "name": form.name.data,
        "address": form.address.data,
        "postal_code": form.postal_code.data,
        "city": form.city.data,
        "phone": form.phone.data,
        "access_note": form.access_note.data,
        "journal_ref": form.journal_ref.data,
        "decision_ref": form.decision_ref.data,
        "next_evaluation_on": form.next_evaluation_on.data,
        "is_critical": form.is_critical.data,
        "service_ended_on": form.service_ended_on.data,
        "unit_id": form.unit_id.data,
        "relatives": parse_relatives(form.relatives.data),
    }


@bp.route("/recipients/new", methods=["GET", "POST"])
@require(P.RECIPIENTS_MANAGE)
def recipient_new():
    form = RecipientForm()
    _fill_recipient_choices(form)

    def run():
        municipality = get_scoped_or_404(Municipality, form.municipality_id.data, current_user)
        return ops.create_recipient(_actor(), municipality, **_recipient_data(form))

    done = submit(form, run)
    if done.ok:
        flash(_("%(name)s is registered.", name=done.result.name), "success")
        return redirect(url_for("equipment.recipient_detail", recipient_id=done.result.id))
    return render_template("equipment/recipient_form.html", form=form, recipient=None), done.status


@bp.route("/recipients/<int:recipient_id>/edit", methods=["GET", "POST"])
@require(P.RECIPIENTS_MANAGE)
@writes  # the view of personal data is logged
def recipient_edit(recipient_id: int):
    recipient = get_scoped_or_404(Recipient, recipient_id, current_user)
    if recipient.anonymised_at is not None:
        raise ConflictError(_("The recipient's record has been anonymised."))
    form = RecipientForm(obj=recipient)
    _fill_recipient_choices(form)
    del form.municipality_id
    if request.method == "GET":
        form.relatives.data = format_relatives(recipient)
        ops.record_recipient_view(_actor(), recipient, via="edit")
    done = submit(
        form,
        lambda: ops.update_recipient(
            _actor(),
            recipient,
            expected_version=form.expected_version(),
            **_recipient_data(form),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("equipment.recipient_detail", recipient_id=recipient.id))
    return render_template(
        "equipment/recipient_form.html", form=form, recipient=recipient
    ), done.status


# --- search ---------------------------------------------------------------------------


@bp.get("/search")
@login_required
def search():
    """One box: devices by serial, IMEI or phone; recipients by name or journal reference."""
    q = request.args.get("q", "").strip()
    devices_found, recipients_found, placements = [], [], {}
    if q:
        if current_user.can(P.EQUIPMENT_VIEW):
            devices_found = db.session.scalars(
                # No ORDER BY in SQL: sorting there tempts the planner to walk the
                # list index instead of the number indexes; 50 rows sort here.
                queries.devices_for(current_user, serial=q).limit(50)
            ).all()
            devices_found.sort(key=lambda d: d.serial_number)
            placements = queries.open_placements_by_device(
                [d.id for d in devices_found if d.status == DeviceStatus.INSTALLED]
            )
        if current_user.can(P.RECIPIENTS_VIEW):
            recipients_found = db.session.scalars(
                queries.recipients_for(current_user, q=q).limit(50)
            ).all()
            recipients_found.sort(key=lambda r: r.name)
    # A scanned or typed number (go=1) that is one device's whole serial opens it; when
    # several products carry that serial, the page asks which one is on the label.
    exact = [d for d in devices_found if d.serial_number == normalise_serial(q)]
    if request.args.get("go") == "1":
        if len(exact) == 1:
            return redirect(url_for("equipment.device_detail", device_id=exact[0].id))
        if not exact and len(devices_found) == 1 and not recipients_found:
            return redirect(url_for("equipment.device_detail", device_id=devices_found[0].id))
    return render_template(
        "equipment/search.html",
        q=q,
        devices=devices_found,
        recipients=recipients_found,
        placements=placements,
        same_serial=exact if len(exact) > 1 else [],
    )


# --- the technician's day ---------------------------------------------------------------


@bp.get("/my-day")
@require(P.PLACEMENTS_MANAGE)
def my_day():
    """«Mine oppdrag i dag»: my jobs for today and earlier ones not done, then the next week."""
    from datetime import timedelta

    today = local_today()
    rows = db.session.scalars(
        select(Visit)
        .where(
            Visit.assigned_to_id == current_user.id,
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_on <= today + timedelta(days=7),
            Visit.municipality_id.in_(municipality_ids(current_user)),
        )
        .options(
            joinedload(Visit.recipient),
            joinedload(Visit.device).joinedload(Device.product),
            joinedload(Visit.placement).joinedload(Placement.device),
            selectinload(Visit.ticket),
        )
        .order_by(Visit.planned_on, Visit.id)
    ).all()
    # Jobs planned from a support ticket link back to it, for those who may read it.
    tickets = {}
    if current_user.can(P.TICKETS_VIEW):
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
@require(P.RECIPIENTS_MANAGE)
def visit_new(recipient_id: int):
    from vftops.auth.models import User, UserRole
    from vftops.core.permissions import ROLE_PERMISSIONS
    from vftops.org.models import Membership

    recipient = get_scoped_or_404(Recipient, recipient_id, current_user)
    form = VisitForm()
    roles = [r.value for r, perms in ROLE_PERMISSIONS.items() if P.PLACEMENTS_MANAGE in perms]
    technicians = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.municipality_id == recipient.municipality_id,
            User.is_active_user.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))),
        )
        .order_by(User.full_name)
    ).all()
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
        if current_user.can(P.PLACEMENTS_MANAGE):
            form.assigned_to_id.data = current_user.id

    def run():
        from vftops.auth.models import User as U

        return ops.plan_visit(
            _actor(),
            recipient,
            kind=form.kind.data,
            assigned_to=db.session.get(U, form.assigned_to_id.data),
            planned_on=form.planned_on.data,
            device=(
                get_scoped_or_404(Device, form.device_id.data, current_user)
                if form.device_id.data
                else None
            ),
            placement=(
                db.session.get(Placement, form.placement_id.data)
                if form.placement_id.data
                else None
            ),
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
@require(P.PLACEMENTS_MANAGE)
def visit_finish(visit_id: int):
    from vftops.core.errors import DomainError
    from vftops.core.forms import ConfirmForm
    from vftops.core.web import flash_domain_error

    visit = get_scoped_or_404(Visit, visit_id, current_user)
    if ConfirmForm().validate_on_submit():
        status = "cancelled" if request.form.get("status") == "cancelled" else "done"
        try:
            ops.finish_visit(_actor(), visit, status=status)
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(
                _("The job is marked as done.") if status == "done" else _("The job is cancelled."),
                "success",
            )
    return redirect(url_for("equipment.my_day"))
