"""The product catalogue's pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.core.forms import choices
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404
from vftops.core.web import actor, submit
from vftops.equipment import operations as ops
from vftops.equipment import queries
from vftops.equipment.forms import (
    ProductForm,
)
from vftops.equipment.models import (
    Product,
)
from vftops.equipment.permissions import CATALOGUE_MANAGE, EQUIPMENT_VIEW
from vftops.extensions import db
from vftops.suppliers.queries import active_suppliers

from .common import bp

# --- catalogue ----------------------------------------------------------------------


@bp.get("/products")
@require(EQUIPMENT_VIEW)
def products():
    rows = db.session.scalars(
        queries.products(
            active_only=request.args.get("all") != "1",
            category=request.args.get("category") or None,
        )
    ).all()
    return render_template("equipment/products.html", products=rows)


def _supplier_choices(form: ProductForm):
    suppliers = active_suppliers()
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
@require(CATALOGUE_MANAGE)
def product_new():
    form = ProductForm()
    del form.is_active
    _supplier_choices(form)
    done = submit(form, lambda: ops.create_product(actor(), **_product_data(form)))
    if done.ok:
        flash(_("%(name)s is added to the catalogue.", name=done.result.name), "success")
        return redirect(url_for("equipment.products"))
    return render_template("equipment/product_form.html", form=form, product=None), done.status


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@require(CATALOGUE_MANAGE)
def product_edit(product_id: int):
    product = get_scoped_or_404(Product, product_id, current_user)
    form = ProductForm(obj=product)
    _supplier_choices(form)
    if request.method == "GET":
        form.return_checklist.data = "\n".join(product.return_checklist or [])
    done = submit(
        form,
        lambda: ops.update_product(
            actor(),
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
