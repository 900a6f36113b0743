"""Transfer pages: sending devices and consumables between stores, receiving and cancelling."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import case

from vftops.core.errors import DomainError
from vftops.core.forms import VersionedForm, choices
from vftops.core.i18n import format_d
from vftops.core.permissions import require
from vftops.core.scope import scoped_or_none
from vftops.core.web import actor, flash_domain_error
from vftops.equipment.models import Product, Store
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms_orders import (
    TransferFilterForm,
    TransferForm,
)
from vftops.stock.models import (
    StockBalance,
    Transfer,
    TransferStatus,
)
from vftops.stock.permissions import STOCK_MANAGE, STOCK_VIEW

from .common import bp
from .ordering import (
    TRANSFER_STATUS_LABELS,
    active_stores,
    as_int,
    page_of,
    render,
    store_pairs,
)

# --- transfers ------------------------------------------------------------------------


@bp.get("/transfers")
@require(STOCK_VIEW)
def transfers():
    filters = TransferFilterForm(request.args)
    filters.status.choices = choices([("", _("All")), *list(TRANSFER_STATUS_LABELS.items())])
    filters.store_id.choices = choices(
        [("", _("All stores")), *store_pairs(active_stores(active_only=False))]
    )
    filters.validate()
    stmt = (
        queries.transfers_for(
            current_user,
            status=filters.status.data if not filters.status.errors else None,
            store_id=filters.store_id.data if not filters.store_id.errors else None,
        )
        .order_by(None)
        .order_by(case((Transfer.status == TransferStatus.SENT.value, 0), else_=1))
        .order_by(Transfer.id.desc())
    )
    return render("stock/transfers.html", page=page_of(stmt), filters=filters)


def _default_from_store(stores: list[Store]) -> Store | None:
    """The store the technician looks after (their car, say), else the first one."""
    mine = [s for s in stores if s.responsible_id == current_user.id]
    return (mine or stores or [None])[0]


def _consumables_in(store: Store) -> list[StockBalance]:
    return queries.consumables_on_shelf(store)


@bp.route("/transfers/new", methods=["GET", "POST"])
@require(STOCK_MANAGE)
def transfer_new():
    stores = active_stores()
    form = TransferForm()
    wanted = form.from_store_id.data if request.method == "POST" else None
    wanted = as_int(wanted or request.args.get("from_store_id"))
    from_store = (
        queries.store_or_404(wanted, current_user) if wanted else _default_from_store(stores)
    )
    if from_store is None:
        flash(_("You have no store to send from."), "warning")
        return redirect(url_for("stock.transfers"))
    form.from_store_id.data = str(from_store.id)
    targets = store_pairs([s for s in stores if s.id != from_store.id])
    form.to_store_id.choices = choices([("", _("Choose a store")), *targets])
    if request.method == "GET" and len(targets) == 1:
        form.to_store_id.data = targets[0][0]
    # From the shortfall board: «send N of this product to that store».
    asked = _asked_for(targets) if request.method == "GET" else None
    if asked is not None:
        form.to_store_id.data = asked["to_store_id"]
    balances = _consumables_in(from_store)
    entries = {}
    for entry in form.quantities:
        pid = as_int(entry.product_id.data)
        if pid is not None:
            entries[pid] = entry
    for row in balances:
        if row.product_id not in entries:
            entries[row.product_id] = form.quantities.append_entry(
                {"product_id": str(row.product_id)}
            )
    products = {row.product_id: row.product for row in balances}
    if asked is not None and asked["product"].id in entries:
        entries[asked["product"].id].quantity.data = str(asked["quantity"])
    missing = set(entries) - set(products)
    if missing:
        products |= queries.by_id(Product, missing)
    quantity_errors: dict[int, list[str]] = {}

    def place(name: str, messages: list[str]) -> bool:
        if name.startswith("quantity-"):
            quantity_errors.setdefault(as_int(name[9:]) or -1, []).extend(messages)
            return True
        # An archived sending store is a conflict: flashed with the operation's message.
        return name == "from_store_id"

    def run():
        to_store = queries.store_or_404(form.to_store_id.data, current_user)
        amounts = [
            (products[pid], (entry.quantity.data or "").strip())
            for pid, entry in entries.items()
            if pid in products and (entry.quantity.data or "").strip()
        ]
        return ops.send_transfer(
            actor(),
            from_store,
            to_store,
            serials=(form.serials.data or "").splitlines(),
            quantities=amounts,
            note=form.note.data,
        )

    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                transfer = run()
            except DomainError as exc:
                flash_domain_error(exc, form, place=place)
                status = exc.status
            else:
                devices = sum(1 for line in transfer.lines if line.device_id is not None)
                amount = sum(line.quantity for line in transfer.lines if line.device_id is None)
                flash(
                    _(
                        "Transfer %(id)d is sent: %(devices)s and %(amount)s from %(source)s to "
                        "%(target)s. It is in neither store's stock until it is received.",
                        id=transfer.id,
                        devices=ngettext("%(num)d device", "%(num)d devices", devices),
                        amount=ngettext("%(num)d consumable", "%(num)d consumables", amount),
                        source=from_store.name,
                        target=transfer.to_store.name,
                    ),
                    "success",
                )
                return redirect(url_for("stock.transfer_detail", transfer_id=transfer.id))
        else:
            status = 422
    rows = [
        (products[pid], entry, next((b.quantity for b in balances if b.product_id == pid), 0))
        for pid, entry in entries.items()
        if pid in products
    ]
    return render(
        "stock/transfer_form.html",
        status,
        form=form,
        stores=stores,
        from_store=from_store,
        rows=rows,
        quantity_errors=quantity_errors,
        store_choices=store_pairs(stores),
        asked=asked,
        on_shelf=_on_shelf(from_store, asked) if asked else [],
    )


def _asked_for(targets) -> dict | None:
    """The shortfall board's suggestion in the address: a store among `targets`, a product
    and a quantity; anything else is ignored and the form starts empty."""
    to_store_id = as_int(request.args.get("to_store_id"))
    quantity = as_int(request.args.get("quantity"))
    product_id = as_int(request.args.get("product_id"))
    if to_store_id not in {int(value) for value, _label in targets}:
        return None
    if not product_id or not quantity or not 0 < quantity <= 10_000:
        return None
    product = scoped_or_none(Product, product_id, current_user)
    if product is None:
        return None
    return {"to_store_id": to_store_id, "product": product, "quantity": quantity}


def _on_shelf(store: Store, asked: dict) -> list[str]:
    """Serial numbers of the product ready on the store's shelf that the receiving store may
    hold and no planned install has chosen, to find the devices to send."""
    product, quantity = asked["product"], asked["quantity"]
    if not product.is_serialised:
        return []
    to_store = queries.store_or_404(asked["to_store_id"], current_user)
    return queries.serials_to_send(store, to_store, product, quantity)


@bp.get("/transfers/<int:transfer_id>")
@require(STOCK_VIEW)
def transfer_detail(transfer_id: int):
    transfer = queries.transfer_or_404(transfer_id, current_user)
    # Either end makes it visible; only a store the user may use is a link or a place to land.
    usable = queries.usable_store_ids(current_user, [transfer.from_store_id, transfer.to_store_id])
    return render("stock/transfer_detail.html", transfer=transfer, usable=usable)


def _finish_transfer(
    transfer_id: int, run, done_message: Callable[[Transfer], str], *, receiving: bool
):
    transfer = queries.transfer_or_404(transfer_id, current_user)
    queries.landing_store_or_404(transfer, current_user, receiving=receiving)
    form = VersionedForm()
    if form.validate_on_submit():
        # While it is still under way the version guards against acting on an old page;
        # once it has landed, the operation says so in words.
        version = form.expected_version() if transfer.status == TransferStatus.SENT else None
        try:
            run(transfer, version)
        except DomainError as exc:
            flash_domain_error(exc)
            transfer = queries.transfer_or_404(transfer_id, current_user)
            if transfer.status != TransferStatus.SENT and transfer.received_at is not None:
                flash(
                    _(
                        "%(status)s %(when)s by %(name)s.",
                        status=TRANSFER_STATUS_LABELS[transfer.status],
                        when=format_d(transfer.received_at),
                        name=transfer.received_by.full_name if transfer.received_by else "–",
                    ),
                    "info",
                )
        else:
            flash(done_message(transfer), "success")
    return redirect(url_for("stock.transfer_detail", transfer_id=transfer_id))


@bp.post("/transfers/<int:transfer_id>/receive")
@require(STOCK_MANAGE)
def transfer_receive(transfer_id: int):
    return _finish_transfer(
        transfer_id,
        lambda t, v: ops.receive_transfer(actor(), t, expected_version=v),
        lambda t: _(
            "Transfer %(id)d is received: everything is now in %(store)s.",
            id=t.id,
            store=t.to_store.name,
        ),
        receiving=True,
    )


@bp.post("/transfers/<int:transfer_id>/cancel")
@require(STOCK_MANAGE)
def transfer_cancel(transfer_id: int):
    return _finish_transfer(
        transfer_id,
        lambda t, v: ops.cancel_transfer(actor(), t, expected_version=v),
        lambda t: _(
            "Transfer %(id)d is cancelled: everything is back in %(store)s.",
            id=t.id,
            store=t.from_store.name,
        ),
        receiving=False,
    )
