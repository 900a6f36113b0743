"""Pages for municipalities and their units."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.core import modules
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import submit
from vftops.org import operations as ops
from vftops.org.forms import UNIT_KIND_LABELS, MunicipalityForm, UnitForm
from vftops.org.models import Municipality, Unit
from vftops.org.permissions import ORG_MANAGE, ORG_VIEW
from vftops.org.queries import municipalities_for, unit_tree

bp = Blueprint("org", __name__, url_prefix="/org")


@bp.get("/municipalities")
@require(ORG_VIEW)
def municipalities():
    rows = municipalities_for(current_user)
    return render_template("org/municipalities.html", rows=rows)


@bp.route("/municipalities/new", methods=["GET", "POST"])
@require(ORG_MANAGE)
def municipality_new():
    form = MunicipalityForm()
    del form.is_active
    done = submit(
        form,
        lambda: ops.create_municipality(
            current_user._get_current_object(), name=form.name.data, number=form.number.data
        ),
    )
    if done.ok:
        flash(_("%(name)s is registered.", name=done.result.name), "success")
        return redirect(url_for("org.municipality_detail", municipality_id=done.result.id))
    return render_template("org/municipality_form.html", form=form, municipality=None), done.status


@bp.get("/municipalities/<int:municipality_id>")
@require(ORG_VIEW)
def municipality_detail(municipality_id: int):
    municipality = get_scoped_or_404(Municipality, municipality_id, current_user)
    return render_template(
        "org/municipality_detail.html",
        municipality=municipality,
        tree=unit_tree(municipality.id),
        # What other modules show here: its members (auth), and so on.
        parts=modules.page_parts("org.municipality", municipality, current_user),
        kind_labels=UNIT_KIND_LABELS,
    )


@bp.route("/municipalities/<int:municipality_id>/edit", methods=["GET", "POST"])
@require(ORG_MANAGE)
def municipality_edit(municipality_id: int):
    municipality = get_scoped_or_404(Municipality, municipality_id, current_user)
    form = MunicipalityForm(obj=municipality)
    done = submit(
        form,
        lambda: ops.update_municipality(
            current_user._get_current_object(),
            municipality,
            name=form.name.data,
            number=form.number.data,
            is_active=form.is_active.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("org.municipality_detail", municipality_id=municipality.id))
    return render_template(
        "org/municipality_form.html", form=form, municipality=municipality
    ), done.status


def _parent_choices(form: UnitForm, municipality_id: int, exclude_id: int | None = None):
    form.parent_id.choices = choices(
        [("", _("— top level —"))]
        + [
            (u.id, "\u2003" * depth + u.name)
            for depth, u in unit_tree(municipality_id)
            if u.id != exclude_id
        ]
    )


@bp.route("/municipalities/<int:municipality_id>/units/new", methods=["GET", "POST"])
@require(ORG_MANAGE)
def unit_new(municipality_id: int):
    municipality = get_scoped_or_404(Municipality, municipality_id, current_user)
    form = UnitForm()
    del form.is_active
    _parent_choices(form, municipality.id)
    if request.method == "GET" and request.args.get("parent", type=db_int):
        form.parent_id.data = request.args.get("parent", type=db_int)
    done = submit(
        form,
        lambda: ops.create_unit(
            current_user._get_current_object(),
            municipality,
            name=form.name.data,
            kind=form.kind.data,
            parent_id=form.parent_id.data,
        ),
    )
    if done.ok:
        flash(_("%(name)s is created.", name=done.result.name), "success")
        return redirect(url_for("org.municipality_detail", municipality_id=municipality.id))
    return render_template(
        "org/unit_form.html", form=form, municipality=municipality, unit=None
    ), done.status


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@require(ORG_MANAGE)
def unit_edit(unit_id: int):
    unit = get_scoped_or_404(Unit, unit_id, current_user)
    form = UnitForm(obj=unit)
    _parent_choices(form, unit.municipality_id, exclude_id=unit.id)
    done = submit(
        form,
        lambda: ops.update_unit(
            current_user._get_current_object(),
            unit,
            name=form.name.data,
            kind=form.kind.data,
            parent_id=form.parent_id.data,
            is_active=form.is_active.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("org.municipality_detail", municipality_id=unit.municipality_id))
    return render_template(
        "org/unit_form.html", form=form, municipality=unit.municipality, unit=unit
    ), done.status
