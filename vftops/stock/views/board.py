"""The shortfall board: every store below its minimum."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.core.errors import DomainError
from vftops.core.forms import ConfirmForm
from vftops.core.permissions import require
from vftops.core.web import actor, flash_domain_error
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_VIEW

from .common import bp, product_or_404, shortfall_order_quantity, store_or_404

# --- the shortfall board --------------------------------------------------------------


@bp.get("")
@require(STOCK_VIEW)
def shortfalls():
    """Every store × product of mine below its minimum, worst first."""
    rows = queries.shortfalls(current_user)
    return render_template(
        "stock/shortfalls.html", rows=rows, order_quantity=shortfall_order_quantity
    )


@bp.post("/stores/<int:store_id>/products/<int:product_id>/order")
@require(ORDERS_MANAGE)
def order_shortfall(store_id: int, product_id: int):
    """«Bestill det som mangler»: a draft order up to the target, ready to check and send."""
    store = store_or_404(store_id)
    product = product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        order = ops.order_shortfall(actor(), store, product)
    except DomainError as exc:
        flash_domain_error(exc)
        return redirect(url_for("stock.shortfalls"))
    quantity = next((line.quantity for line in order.lines if line.product_id == product.id), 0)
    flash(
        _(
            "Draft order %(number)s: %(n)d × %(product)s to %(store)s. Check it and send it.",
            number=order.number,
            n=quantity,
            product=product.name,
            store=store.name,
        ),
        "success",
    )
    return redirect(url_for("stock.order_detail", order_id=order.id))
