"""Recipient pages, the lookups of the pickers and the search."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.core.db import writes
from vftops.core.errors import ConflictError
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.permissions import login_required, require
from vftops.core.picker import LOOKUP_LIMIT, lookup_answer, lookup_query
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor, submit
from vftops.equipment import operations as ops
from vftops.equipment import pickers, queries
from vftops.equipment.forms import (
    RecipientForm,
)
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.labels import (
    CATEGORY_LABELS,
)
from vftops.equipment.models import (
    DeviceStatus,
    Recipient,
)
from vftops.equipment.permissions import EQUIPMENT_VIEW, RECIPIENTS_MANAGE, RECIPIENTS_VIEW
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of, units_of

from .common import bp

# --- recipients ---------------------------------------------------------------------


@bp.get("/recipients")
@require(RECIPIENTS_VIEW)
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
@require(RECIPIENTS_VIEW)
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
@require(EQUIPMENT_VIEW)
def product_lookup():
    """The product picker's answers: part of the manufacturer and model."""
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    rows = queries.product_options(matching=lookup_query() or None, limit=LOOKUP_LIMIT)
    return lookup_answer(
        (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
        for pid, manufacturer, model, category in rows
    )


@bp.get("/devices/lookup")
@require(EQUIPMENT_VIEW)
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
@require(RECIPIENTS_VIEW)
def service_ended():
    rows = db.session.scalars(
        queries.service_ended_with_devices_out(current_user).order_by(Recipient.service_ended_on)
    ).all()
    return render_template("equipment/service_ended.html", recipients=rows)


@bp.get("/recipients/<int:recipient_id>")
@require(RECIPIENTS_VIEW)
@writes  # the view of personal data is logged
def recipient_detail(recipient_id: int):
    recipient = get_scoped_or_404(
        Recipient,
        recipient_id,
        current_user,
        options=(joinedload(Recipient.unit), joinedload(Recipient.municipality)),
    )
    ops.record_recipient_view(actor(), recipient)
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
    municipalities = municipalities_of(current_user)
    form.municipality_id.choices = choices((m.id, m.name) for m in municipalities)
    units = sorted(units_of(current_user), key=lambda u: u.name)
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
@require(RECIPIENTS_MANAGE)
def recipient_new():
    form = RecipientForm()
    _fill_recipient_choices(form)

    def run():
        municipality = get_scoped_or_404(Municipality, form.municipality_id.data, current_user)
        return ops.create_recipient(actor(), municipality, **_recipient_data(form))

    done = submit(form, run)
    if done.ok:
        flash(_("%(name)s is registered.", name=done.result.name), "success")
        return redirect(url_for("equipment.recipient_detail", recipient_id=done.result.id))
    return render_template("equipment/recipient_form.html", form=form, recipient=None), done.status


@bp.route("/recipients/<int:recipient_id>/edit", methods=["GET", "POST"])
@require(RECIPIENTS_MANAGE)
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
        ops.record_recipient_view(actor(), recipient, via="edit")
    done = submit(
        form,
        lambda: ops.update_recipient(
            actor(),
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
        if current_user.can(EQUIPMENT_VIEW):
            devices_found = db.session.scalars(
                # No ORDER BY in SQL: sorting there tempts the planner to walk the
                # list index instead of the number indexes; 50 rows sort here.
                queries.devices_for(current_user, serial=q).limit(50)
            ).all()
            devices_found.sort(key=lambda d: d.serial_number)
            placements = queries.open_placements_by_device(
                [d.id for d in devices_found if d.status == DeviceStatus.INSTALLED]
            )
        if current_user.can(RECIPIENTS_VIEW):
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
