"""Pages for suppliers: the list, and registering and changing one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from vftops.core.permissions import require
from vftops.core.web import actor, submit
from vftops.extensions import db
from vftops.suppliers import operations as ops
from vftops.suppliers import queries
from vftops.suppliers.forms import SupplierForm
from vftops.suppliers.permissions import SUPPLIERS_MANAGE, SUPPLIERS_VIEW

bp = Blueprint("supplier", __name__)


@bp.get("/suppliers")
@require(SUPPLIERS_VIEW)
def index():
    rows = db.session.scalars(queries.suppliers()).all()
    return render_template("suppliers/suppliers.html", suppliers=rows)


def _supplier_data(form: SupplierForm) -> dict:
    return {
        "name": form.name.data,
        "org_number": form.org_number.data,
        "support_phone": form.support_phone.data,
        "support_email": form.support_email.data,
        "order_email": form.order_email.data,
        "support_hours": form.support_hours.data,
        "out_of_hours_note": form.out_of_hours_note.data,
        "lead_time_days": form.lead_time_days.data,
        "notes": form.notes.data,
    }


@bp.route("/suppliers/new", methods=["GET", "POST"])
@require(SUPPLIERS_MANAGE)
def new():
    form = SupplierForm()
    done = submit(form, lambda: ops.create_supplier(actor(), **_supplier_data(form)))
    if done.ok:
        flash(_("%(name)s is registered.", name=done.result.name), "success")
        return redirect(url_for("supplier.index"))
    return render_template("suppliers/supplier_form.html", form=form, supplier=None), done.status


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@require(SUPPLIERS_MANAGE)
def edit(supplier_id: int):
    supplier = queries.supplier_or_404(supplier_id)
    form = SupplierForm(obj=supplier)
    done = submit(
        form,
        lambda: ops.update_supplier(
            actor(), supplier, expected_version=form.expected_version(), **_supplier_data(form)
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("supplier.index"))
    return render_template(
        "suppliers/supplier_form.html", form=form, supplier=supplier
    ), done.status
