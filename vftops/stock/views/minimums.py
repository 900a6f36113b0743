"""Minimums and suggested minimums."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vftops.core.errors import DomainError
from vftops.core.forms import ConfirmForm, choices
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.models import Product, Store
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms import (
    MinimumForm,
)
from vftops.stock.permissions import STOCK_VIEW, STORES_MANAGE

from .common import bp, minimum_row, product_or_404, store_or_404

# --- minimums and suggestions -----------------------------------------------------------


def _minimum_page(store: Store, product: Product | None):
    form = MinimumForm()
    if product is not None:
        del form.product_id
        row = minimum_row(store, product)
        if request.method == "GET" and row is not None:
            form.minimum.data = str(row.minimum)
            form.reorder_target.data = str(row.reorder_target) if row.reorder_target else ""
            form.version.data = row.version
    else:
        row = None
        products = eq_queries.active_products()
        form.product_id.choices = choices(
            [("", _("Choose a product"))] + [(p.id, p.name) for p in products]
        )
        if request.method == "GET":
            form.product_id.data = request.args.get("product_id", type=db_int)

    def run():
        chosen = product or product_or_404(form.product_id.data)
        return ops.set_minimum(
            actor(),
            store,
            chosen,
            minimum=form.minimum.data,
            reorder_target=form.reorder_target.data,
            expected_version=form.expected_version(),
        )

    done = submit(form, run)
    if done.ok:
        saved = done.result
        flash(
            _(
                "The minimum for %(product)s on %(store)s is %(n)d.",
                product=saved.product.name,
                store=store.name,
                n=saved.minimum,
            ),
            "success",
        )
        return redirect(url_for("stock.store_detail", store_id=store.id))
    level = queries.level_for(store, product) if product is not None else None
    suggested = queries.suggestion(store, product) if product is not None else None
    return render_template(
        "stock/minimum_form.html",
        form=form,
        store=store,
        product=product,
        row=row,
        level=level,
        suggested=suggested,
    ), done.status


@bp.route("/stores/<int:store_id>/minimums/new", methods=["GET", "POST"])
@require(STORES_MANAGE)
def minimum_new(store_id: int):
    return _minimum_page(store_or_404(store_id), None)


@bp.route("/stores/<int:store_id>/products/<int:product_id>/minimum", methods=["GET", "POST"])
@require(STORES_MANAGE)
def set_minimum(store_id: int, product_id: int):
    return _minimum_page(store_or_404(store_id), product_or_404(product_id))


@bp.post("/stores/<int:store_id>/products/<int:product_id>/minimum/delete")
@require(STORES_MANAGE)
def delete_minimum(store_id: int, product_id: int):
    store = store_or_404(store_id)
    product = product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = minimum_row(store, product)
    if row is None:
        flash(_("%(product)s has no minimum on %(store)s.", product=product.name, store=store.name))
        return redirect(url_for("stock.store_detail", store_id=store.id))
    try:
        ops.delete_minimum(actor(), row)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(
            _(
                "The minimum for %(product)s on %(store)s is removed.",
                product=product.name,
                store=store.name,
            ),
            "success",
        )
    return redirect(url_for("stock.store_detail", store_id=store.id))


@bp.get("/stores/<int:store_id>/suggestions")
@require(STOCK_VIEW)
def suggestions(store_id: int):
    """Suggested minimums, each with the figures it comes from."""
    store = store_or_404(store_id)
    found = sorted(queries.suggestions(store).values(), key=lambda s: s.product.name)
    minimums = queries.minimums_by_product(store)
    return render_template(
        "stock/suggestions.html",
        store=store,
        suggestions=found,
        minimums=minimums,
        z=queries.SERVICE_LEVEL_Z,
    )


@bp.post("/stores/<int:store_id>/products/<int:product_id>/suggestion")
@require(STORES_MANAGE)
def accept_suggestion(store_id: int, product_id: int):
    store = store_or_404(store_id)
    product = product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        row = ops.accept_suggestion(actor(), store, product)
    except DomainError as exc:
        flash_domain_error(exc)
    else:
        flash(
            _(
                "The minimum for %(product)s on %(store)s is now %(n)d, as suggested.",
                product=product.name,
                store=store.name,
                n=row.minimum,
            ),
            "success",
        )
    return redirect(url_for("stock.suggestions", store_id=store.id))
