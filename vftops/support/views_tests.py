"""Periodic function tests: the due list and recording a test.

The due list names recipients and their addresses, so it needs RECIPIENTS_VIEW;
recording a test needs TESTS_RECORD.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.auth.models import User
from vftops.auth.queries import active_users_with
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, municipality_ids
from vftops.core.validation import digits
from vftops.core.web import safe_next, submit
from vftops.equipment.models import Device, Placement
from vftops.equipment.permissions import PLACEMENTS_MANAGE, RECIPIENTS_VIEW
from vftops.org.queries import municipalities_of, units_of
from vftops.support import function_tests as ft
from vftops.support.forms_admin import RESULT_LABELS, DueFilterForm, FunctionTestForm
from vftops.support.models import TestResult
from vftops.support.permissions import TESTS_RECORD
from vftops.support.views import bp

PER_PAGE = 50


def _technicians(ids) -> list[User]:
    """People who can be sent on a test visit in my municipalities."""
    return active_users_with(PLACEMENTS_MANAGE, municipalities=ids)


def _filter_form() -> DueFilterForm:
    ids = sorted(municipality_ids(current_user))
    form = DueFilterForm(request.args)
    municipalities = municipalities_of(current_user)
    several = len(municipalities) > 1
    names = {m.id: m.name for m in municipalities}
    if several:
        form.municipality_id.choices = choices(
            [("", _("All my municipalities"))] + [(m.id, m.name) for m in municipalities]
        )
    else:
        del form.municipality_id
    units = units_of(current_user)
    form.unit_id.choices = choices(
        [("", _("All home-care units"))]
        + [(u.id, f"{names[u.municipality_id]} – {u.name}" if several else u.name) for u in units]
    )
    form.technician_id.choices = choices(
        [("", _("Anyone, planned or not"))] + [(u.id, u.full_name) for u in _technicians(ids)]
    )
    # A unit or municipality outside my scope is not there at all.
    for name, known in (("unit_id", {u.id for u in units}), ("municipality_id", set(ids))):
        wanted = request.args.get(name)
        if wanted and (not digits(wanted) or int(wanted) not in known):
            abort(404)
    form.validate()
    return form


def _value(form: DueFilterForm, name: str):
    field = getattr(form, name, None)
    if field is None or field.errors:
        return None
    return field.data


@bp.get("/function-tests")
@require(RECIPIENTS_VIEW)
def tests_due():
    """Installed devices due for their periodic function test, most overdue first."""
    form = _filter_form()
    filters = ft.DueFilters(
        unit_id=_value(form, "unit_id"),
        technician_id=_value(form, "technician_id"),
        overdue_only=bool(_value(form, "overdue")),
        municipality_id=_value(form, "municipality_id"),
    )
    today = local_today()
    page = ft.due_page(
        current_user,
        filters,
        page=max(request.args.get("page", 1, type=db_int) or 1, 1),
        per_page=PER_PAGE,
        today=today,
    )
    me_technician = current_user.can(PLACEMENTS_MANAGE)
    return render_template(
        "support/tests_due.html",
        form=form,
        page=page,
        today=today,
        horizon=filters.horizon_days,
        overdue_only=filters.overdue_only,
        result_labels=RESULT_LABELS,
        can_record=current_user.can(TESTS_RECORD),
        me_technician=me_technician,
        back=request.full_path.rstrip("?"),
    )


@bp.route("/function-tests/<int:device_id>/record", methods=["GET", "POST"])
@require(TESTS_RECORD)
def test_record(device_id: int):
    """Record a function test of an installed device; a failed one opens a ticket."""
    device = get_scoped_or_404(
        Device, device_id, current_user, options=(joinedload(Device.product),)
    )
    placement = ft.open_placement_of(device)
    form = FunctionTestForm()
    back = safe_next(request.args.get("next"), url_for("support.tests_due"))
    if placement is None and request.method == "GET":
        return _record_page(device, None, form, back, 200)

    def run():
        return ft.record_function_test(
            current_user._get_current_object(),
            device,
            result=form.result.data,
            note=form.note.data,
        )

    done = submit(form, run)
    if done.ok:
        test = done.result
        if test.result == TestResult.FAILED:
            flash(
                _(
                    "The failed function test of %(serial)s is recorded, and ticket #%(id)d "
                    "is opened for it.",
                    serial=device.serial_number,
                    id=test.ticket_id,
                ),
                "warning",
            )
            return redirect(url_for("support.ticket_detail", ticket_id=test.ticket_id))
        else:
            flash(
                _(
                    "The function test of %(serial)s is recorded: passed.",
                    serial=device.serial_number,
                ),
                "success",
            )
        return redirect(back)
    return _record_page(device, placement, form, back, done.status)


def _record_page(device: Device, placement: Placement | None, form, back: str, status: int):
    rows = ft.due_rows([placement]) if placement is not None else []
    return render_template(
        "support/test_form.html",
        device=device,
        placement=placement,
        due=rows[0] if rows else None,
        history=ft.history_of(device),
        form=form,
        back=back,
        today=local_today(),
        result_labels=RESULT_LABELS,
    ), status
