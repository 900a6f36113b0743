"""Consumables: receiving, issuing and adjusting them, and their ledger."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.auth.models import User
from vftops.auth.queries import active_users_with
from vftops.core.forms import choices
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.picker import picker
from vftops.core.scope import municipality_ids, optional_scoped_or_404
from vftops.core.web import actor, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.models import Recipient, Store
from vftops.equipment.permissions import PLACEMENTS_MANAGE, RECIPIENTS_VIEW
from vftops.equipment.pickers import recipient_picker
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms import (
    AdjustConsumablesForm,
    IssueConsumablesForm,
    ReceiveConsumablesForm,
)
from vftops.stock.permissions import STOCK_MANAGE

from .common import bp, product_or_404, store_or_404

# --- consumables ---------------------------------------------------------------------


def _consumable_choices(field, store: Store) -> None:
    products = eq_queries.consumables()
    balances = queries.balances_in(store.id)
    field.choices = choices(
        [("", _("Choose a consumable"))]
        + [
            (p.id, _("%(name)s (%(n)d here)", name=p.name, n=balances.get(p.id, 0)))
            for p in products
        ]
    )
    if request.method == "GET":
        field.data = request.args.get("product_id", type=db_int)


def _consumable_page(form, store: Store, action: str, status: int):
    titles = {
        "receive": _("Receive consumables"),
        "issue": _("Take out consumables"),
        "adjust": _("Adjust after counting"),
    }
    return render_template(
        "stock/consumable_form.html", form=form, store=store, action=action, title=titles[action]
    ), status


@bp.route("/stores/<int:store_id>/consumables/receive", methods=["GET", "POST"])
@require(STOCK_MANAGE)
def consumable_receive(store_id: int):
    store = store_or_404(store_id)
    form = ReceiveConsumablesForm()
    _consumable_choices(form.product_id, store)
    done = submit(
        form,
        lambda: ops.receive_consumables(
            actor(),
            store,
            product_or_404(form.product_id.data),
            form.quantity.data,
            reason=form.reason.data,
        ),
    )
    if done.ok:
        movement = done.result
        flash(
            _(
                "%(n)d × %(product)s received on %(store)s. There are now %(total)d.",
                n=movement.quantity,
                product=movement.product.name,
                store=store.name,
                total=movement.balance_after,
            ),
            "success",
        )
        return redirect(url_for("stock.store_detail", store_id=store.id))
    return _consumable_page(form, store, "receive", done.status)


def _technicians(municipality_ids_: set[int]):
    """Colleagues who may take consumables out to recipients."""
    return active_users_with(STOCK_MANAGE, PLACEMENTS_MANAGE, municipalities=municipality_ids_)


@bp.route("/stores/<int:store_id>/consumables/issue", methods=["GET", "POST"])
@require(STOCK_MANAGE)
def consumable_issue(store_id: int):
    store = store_or_404(store_id)
    form = IssueConsumablesForm()
    _consumable_choices(form.product_id, store)
    served = set(store.served_municipality_ids & municipality_ids(current_user))
    if current_user.can(RECIPIENTS_VIEW):
        recipient_picker(
            form.recipient_id, current_user, _("No recipient"), municipality_ids=served
        )
    else:
        del form.recipient_id
    form.issued_to_id.choices = choices(
        [("", _("No technician"))] + [(u.id, u.full_name) for u in _technicians(served)]
    )
    picker(form.issued_to_id)

    def run():
        recipient = None
        if form.recipient_id is not None:
            recipient = optional_scoped_or_404(Recipient, form.recipient_id.data, current_user)
        issued_to = optional_scoped_or_404(User, form.issued_to_id.data, current_user)
        return ops.issue_consumables(
            actor(),
            store,
            product_or_404(form.product_id.data),
            form.quantity.data,
            reason=form.reason.data,
            recipient=recipient,
            issued_to=issued_to,
        )

    done = submit(form, run)
    if done.ok:
        movement = done.result
        flash(
            _(
                "%(n)d × %(product)s taken out of %(store)s. %(total)d left.",
                n=-movement.quantity,
                product=movement.product.name,
                store=store.name,
                total=movement.balance_after,
            ),
            "success",
        )
        return redirect(url_for("stock.store_detail", store_id=store.id))
    return _consumable_page(form, store, "issue", done.status)


@bp.route("/stores/<int:store_id>/consumables/adjust", methods=["GET", "POST"])
@require(STOCK_MANAGE)
def consumable_adjust(store_id: int):
    store = store_or_404(store_id)
    form = AdjustConsumablesForm()
    _consumable_choices(form.product_id, store)
    product_holder: dict = {}

    def run():
        product = product_holder["product"] = product_or_404(form.product_id.data)
        return ops.adjust_consumables(
            actor(), store, product, form.counted.data, reason=form.reason.data
        )

    done = submit(form, run)
    if done.ok:
        product = product_holder["product"]
        if done.result is None:
            flash(
                _(
                    "No change: %(store)s already has %(n)s of %(product)s.",
                    store=store.name,
                    n=form.counted.data.strip(),
                    product=product.name,
                ),
                "info",
            )
        else:
            flash(
                _(
                    "%(product)s on %(store)s is set to %(total)d (%(change)+d).",
                    product=product.name,
                    store=store.name,
                    total=done.result.balance_after,
                    change=done.result.quantity,
                ),
                "success",
            )
        return redirect(url_for("stock.store_detail", store_id=store.id))
    return _consumable_page(form, store, "adjust", done.status)
