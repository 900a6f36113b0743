"""Pages for suppliers: the list, a supplier's page with its contacts (and what the
modules above add to it), and registering and changing them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.core import modules
from vftops.core.forms import VersionedForm
from vftops.core.permissions import require
from vftops.core.web import actor, submit
from vftops.extensions import db
from vftops.suppliers import operations as ops
from vftops.suppliers import queries
from vftops.suppliers.forms import ContactForm, SupplierForm
from vftops.suppliers.models import SupplierContact
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
        "street_address": form.street_address.data,
        "postcode": form.postcode.data,
        "city": form.city.data,
    }


@bp.route("/suppliers/new", methods=["GET", "POST"])
@require(SUPPLIERS_MANAGE)
def new():
    form = SupplierForm()
    done = submit(form, lambda: ops.create_supplier(actor(), **_supplier_data(form)))
    if done.ok:
        flash(_("%(name)s is registered.", name=done.result.name), "success")
        return redirect(url_for("supplier.page", supplier_id=done.result.id))
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
        return redirect(url_for("supplier.page", supplier_id=supplier.id))
    return render_template(
        "suppliers/supplier_form.html", form=form, supplier=supplier
    ), done.status


@bp.get("/suppliers/<int:supplier_id>")
@require(SUPPLIERS_VIEW)
def page(supplier_id: int):
    """Everything vftops knows about a supplier: how to reach them, and what the modules
    above add (its products, systems, agreements, open escalations …)."""
    supplier = queries.supplier_or_404(supplier_id, with_contacts=True)
    return render_template(
        "suppliers/supplier_detail.html",
        supplier=supplier,
        parts=modules.page_parts("suppliers.supplier", supplier, current_user),
    )


def _contact_or_404(supplier_id: int, contact_id: int) -> SupplierContact:
    contact = db.session.get(SupplierContact, contact_id)
    if contact is None or contact.supplier_id != supplier_id:
        abort(404)
    return contact


def _contact_data(form: ContactForm) -> dict:
    return {
        "name": form.name.data,
        "role": form.role.data,
        "email": form.email.data,
        "phone": form.phone.data,
        "note": form.note.data,
    }


@bp.route("/suppliers/<int:supplier_id>/contacts/new", methods=["GET", "POST"])
@require(SUPPLIERS_MANAGE)
def contact_new(supplier_id: int):
    supplier = queries.supplier_or_404(supplier_id)
    form = ContactForm()
    done = submit(form, lambda: ops.add_contact(actor(), supplier, **_contact_data(form)))
    if done.ok:
        flash(_("%(name)s is added.", name=done.result.name), "success")
        return redirect(url_for("supplier.page", supplier_id=supplier.id))
    return render_template(
        "suppliers/contact_form.html", form=form, supplier=supplier, contact=None
    ), done.status


@bp.route("/suppliers/<int:supplier_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@require(SUPPLIERS_MANAGE)
def contact_edit(supplier_id: int, contact_id: int):
    contact = _contact_or_404(supplier_id, contact_id)
    form = ContactForm(obj=contact)
    done = submit(
        form,
        lambda: ops.update_contact(
            actor(), contact, expected_version=form.expected_version(), **_contact_data(form)
        ),
    )
    if done.ok:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("supplier.page", supplier_id=supplier_id))
    return render_template(
        "suppliers/contact_form.html", form=form, supplier=contact.supplier, contact=contact
    ), done.status


@bp.post("/suppliers/<int:supplier_id>/contacts/<int:contact_id>/remove")
@require(SUPPLIERS_MANAGE)
def contact_remove(supplier_id: int, contact_id: int):
    contact = _contact_or_404(supplier_id, contact_id)
    name = contact.name
    form = VersionedForm()
    done = submit(
        form, lambda: ops.remove_contact(actor(), contact, expected_version=form.expected_version())
    )
    if done.ok:
        flash(_("%(name)s is removed from the contacts.", name=name), "success")
    return redirect(url_for("supplier.page", supplier_id=supplier_id))
