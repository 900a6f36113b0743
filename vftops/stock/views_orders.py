"""Pages for purchase orders (bestillinger), transfers between stores and stock counts.

Thin views: read the form, call one operation in `vftops.stock.operations`,
flash what happened and redirect. A refused operation is shown beside the
line or field it names, with everything that was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from vftops.agreements.models import Supplier
from vftops.core.audit import AuditEvent
from vftops.core.errors import ConflictError, DomainError
from vftops.core.forms import ConfirmForm, VersionedForm, choices
from vftops.core.i18n import format_d
from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.core.permissions import Permission, require
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.models import Device, DeviceStatus, Product, Store, Visit, VisitStatus
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db
from vftops.stock import operations as ops
from vftops.stock import order_mail, queries
from vftops.stock.forms_orders import (
    CountConfirmForm,
    CountQuantityForm,
    CountScanForm,
    OrderCancelForm,
    OrderFilterForm,
    OrderForm,
    OrderReceiveForm,
    TransferFilterForm,
    TransferForm,
)
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    CountStatus,
    OrderReceipt,
    OrderStatus,
    PurchaseOrderLine,
    StockBalance,
    StockCount,
    StockMovement,
    Transfer,
    TransferStatus,
)
from vftops.stock.views import bp

P = Permission
PER_PAGE = 50

ORDER_STATUS_LABELS = {
    OrderStatus.DRAFT.value: _l("Draft"),
    OrderStatus.SENT.value: _l("Sent"),
    OrderStatus.PARTLY_RECEIVED.value: _l("Partly received"),
    OrderStatus.RECEIVED.value: _l("Received"),
    OrderStatus.CANCELLED.value: _l("Cancelled"),
}
ORDER_STATUS_STYLES = {
    "draft": "secondary",
    "sent": "primary",
    "partly_received": "info",
    "received": "success",
    "cancelled": "dark",
}
TRANSFER_STATUS_LABELS = {
    TransferStatus.SENT.value: _l("In transit"),
    TransferStatus.RECEIVED.value: _l("Received"),
    TransferStatus.CANCELLED.value: _l("Called back"),
}
COUNT_STATUS_LABELS = {
    CountStatus.OPEN.value: _l("Under way"),
    CountStatus.CONFIRMED.value: _l("Confirmed"),
    CountStatus.CANCELLED.value: _l("Stopped without changes"),
}


def _render(template: str, status: int = 200, **context):
    return render_template(
        template,
        order_status_labels=ORDER_STATUS_LABELS,
        order_status_styles=ORDER_STATUS_STYLES,
        transfer_status_labels=TRANSFER_STATUS_LABELS,
        count_status_labels=COUNT_STATUS_LABELS,
        device_status_labels=STATUS_LABELS,
        today=local_today(),
        **context,
    ), status


def _stores(*, active_only: bool = True) -> list[Store]:
    return list(db.session.scalars(queries.stores_for(current_user, active_only=active_only)))


def _store_pairs(stores: list[Store]) -> list[tuple[int, str]]:
    """Store choices; the municipality is named only when the stores span several."""
    several = len({s.municipality_id for s in stores}) > 1
    return [(s.id, f"{s.name} ({s.municipality.name})" if several else s.name) for s in stores]


def _page(stmt):
    return db.paginate(
        stmt, page=request.args.get("page", 1, type=db_int), per_page=PER_PAGE, error_out=False
    )


def _show_refusal(
    exc: DomainError, form=None, place: Callable[[str, list[str]], bool] | None = None
) -> None:
    """A refused operation: each message beside the field or line it names, else a flash.

    `place(name, messages)` places messages for names the form has no field for
    (order lines, scanned lines) and answers whether it did.
    """
    placed = False
    for name, messages in exc.fields.items():
        texts = [str(m) for m in messages]
        if place is not None and place(name, texts):
            placed = True
            continue
        field = form._fields.get(name) if form is not None else None
        if field is not None:
            field.errors = [*list(field.errors), *texts]
            placed = True
    if not placed or exc.status == 409:
        flash(str(exc.message), "danger")


def _as_int(value) -> int | None:
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return None


# --- purchase orders ------------------------------------------------------------------


def _order_filters() -> tuple[OrderFilterForm, dict]:
    filters = OrderFilterForm(request.args)
    filters.status.choices = choices(
        [("", _("All")), ("open", _("Open (not yet received)")), *list(ORDER_STATUS_LABELS.items())]
    )
    filters.store_id.choices = choices(
        [("", _("All stores")), *_store_pairs(_stores(active_only=False))]
    )
    filters.validate()
    criteria = {
        "status": filters.status.data if not filters.status.errors else None,
        "store_id": filters.store_id.data if not filters.store_id.errors else None,
        "overdue": bool(filters.overdue.data),
    }
    return filters, criteria


@bp.get("/orders")
@require(P.STOCK_VIEW)
def orders():
    filters, criteria = _order_filters()
    page = _page(queries.orders_for(current_user, **criteria))
    return _render("stock/orders.html", page=page, filters=filters)


def _product_rows(extra_ids=()) -> dict[int, Product]:
    """Active catalogue products (and the ones already on the order), by id."""
    rows = {p.id: p for p in db.session.scalars(eq_queries.products())}
    missing = set(extra_ids) - set(rows)
    if missing:
        for p in db.session.scalars(select(Product).where(Product.id.in_(missing))):
            rows[p.id] = p
    return rows


def _product_label(p: Product) -> str:
    label = p.name
    if not p.is_serialised:
        label += " – " + _("consumable")
    if p.supplier is not None:
        label += f" ({p.supplier.name})"
    return label


def _prepare_order_form(form: OrderForm, products: dict[int, Product], *, with_heads=True):
    if with_heads:
        form.store_id.choices = choices([("", _("Choose a store")), *_store_pairs(_stores())])
        suppliers = db.session.scalars(
            select(Supplier).where(Supplier.is_active.is_(True)).order_by(Supplier.name)
        ).all()
        form.supplier_id.choices = choices(
            [("", _("Choose a supplier"))] + [(s.id, s.name) for s in suppliers]
        )
    product_choices = choices(
        [("", _("Choose a product"))]
        + [
            (p.id, _product_label(p))
            for p in sorted(products.values(), key=lambda p: (p.manufacturer, p.model))
        ]
    )
    for entry in form.lines:
        entry.product_id.choices = product_choices


def _pad_lines(form: OrderForm, blank: int) -> None:
    filled = sum(1 for e in form.lines if e.product_id.data or e.quantity.data)
    while len(form.lines) < max(filled + blank, 3) and len(form.lines) < 100:
        form.lines.append_entry()


def _read_lines(form: OrderForm, products: dict[int, Product]):
    """The filled-in rows as (row index, product, quantity, price); problems by row index."""
    rows, problems = [], {}
    for index, entry in enumerate(form.lines):
        pid = entry.product_id.data
        quantity = (entry.quantity.data or "").strip()
        price = (entry.unit_price.data or "").strip()
        if pid is None:
            if quantity or price:
                problems[index] = [_("Choose a product for this line.")]
            continue
        product = products.get(pid)
        if product is None:
            problems[index] = [_("Choose a product from the list.")]
            continue
        rows.append((index, product, quantity, price))
    return rows, problems


def _line_placer(rows, line_errors: dict[int, list[str]]):
    """Map an operation's `lines-<n>` (n counts the lines it was given) to the form's rows."""

    def place(name: str, messages: list[str]) -> bool:
        if name == "lines":
            line_errors.setdefault(-1, []).extend(messages)
            return True
        if name.startswith("lines-"):
            n = _as_int(name.split("-", 1)[1])
            if n is not None and 0 <= n < len(rows):
                line_errors.setdefault(rows[n][0], []).extend(messages)
                return True
        return False

    return place


def _order_lines_arg(rows):
    return [(product, quantity, price or None) for _i, product, quantity, price in rows]


@bp.route("/orders/new", methods=["GET", "POST"])
@require(P.ORDERS_MANAGE)
def order_new():
    form = OrderForm()
    products = _product_rows()
    _prepare_order_form(form, products)
    if request.method == "GET":
        # Preselect what the link says, or the only store and supplier there is.
        for field in (form.store_id, form.supplier_id):
            options = [c.value for c in field.choices if c.value != ""]
            field.data = request.args.get(field.name, type=db_int) or (
                options[0] if len(options) == 1 else None
            )
        if form.supplier_id.data:
            supplier = db.session.get(Supplier, form.supplier_id.data)
            if supplier is not None:
                form.expected_on.data = ops.default_expected_on(supplier)
    line_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST" and request.form.get("add_lines"):
        for _x in range(3):
            if len(form.lines) < 100:
                form.lines.append_entry()
    elif request.method == "POST":
        rows, line_errors = _read_lines(form, products)
        if form.validate_on_submit() and not line_errors:
            store = queries.store_or_404(form.store_id.data, current_user)
            supplier = db.session.get(Supplier, form.supplier_id.data)
            try:
                order = ops.create_order(
                    actor(),
                    store,
                    supplier,
                    lines=_order_lines_arg(rows),
                    expected_on=form.expected_on.data or ops.default_expected_on(supplier),
                    agreement_ref=form.agreement_ref.data,
                    note=form.note.data,
                )
            except DomainError as exc:
                _show_refusal(exc, form, _line_placer(rows, line_errors))
                status = exc.status
            else:
                flash(
                    _(
                        "Order %(number)s is saved as a draft. Check it and send it.",
                        number=order.number,
                    ),
                    "success",
                )
                return redirect(url_for("stock.order_detail", order_id=order.id))
        else:
            status = 422
    _pad_lines(form, 2 if request.method == "POST" else 5)
    _prepare_order_form(form, products, with_heads=False)  # the rows added since
    return _render("stock/order_form.html", status, form=form, order=None, line_errors=line_errors)


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@require(P.ORDERS_MANAGE)
def order_edit(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    if order.status not in (OrderStatus.DRAFT, *OPEN_ORDER_STATUSES):
        flash(_("A received or cancelled order cannot be changed."), "warning")
        return redirect(url_for("stock.order_detail", order_id=order.id))
    is_draft = order.status == OrderStatus.DRAFT
    form = OrderForm(obj=order if request.method == "GET" else None)
    del form.store_id, form.supplier_id
    if request.method == "GET":
        form.version.data = order.version
        while len(form.lines):
            form.lines.pop_entry()
        for line in order.lines:
            form.lines.append_entry(
                {
                    "product_id": line.product_id,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price) if line.unit_price is not None else "",
                }
            )
    products = _product_rows(line.product_id for line in order.lines)
    line_errors: dict[int, list[str]] = {}
    status = 200
    if request.method == "POST" and request.form.get("add_lines") and is_draft:
        for _x in range(3):
            if len(form.lines) < 100:
                form.lines.append_entry()
    elif request.method == "POST":
        rows, line_errors = _read_lines(form, products) if is_draft else ([], {})
        if form.validate_on_submit() and not line_errors:
            data = {
                "expected_on": form.expected_on.data or order.expected_on,
                "agreement_ref": form.agreement_ref.data,
                "note": form.note.data,
            }
            if is_draft:
                data["lines"] = _order_lines_arg(rows)
            try:
                ops.update_order(actor(), order, expected_version=form.expected_version(), **data)
            except DomainError as exc:
                _show_refusal(exc, form, _line_placer(rows, line_errors))
                status = exc.status
            else:
                flash(_("The changes are saved."), "success")
                return redirect(url_for("stock.order_detail", order_id=order.id))
        else:
            status = 422
    if is_draft:
        _pad_lines(form, 2)
    _prepare_order_form(form, products, with_heads=False)
    return _render(
        "stock/order_form.html",
        status,
        form=form,
        order=order,
        is_draft=is_draft,
        line_errors=line_errors,
    )


@bp.get("/orders/<int:order_id>")
@require(P.STOCK_VIEW)
def order_detail(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    receipts = db.session.scalars(
        select(OrderReceipt)
        .where(OrderReceipt.order_id == order.id)
        .options(joinedload(OrderReceipt.line).joinedload(PurchaseOrderLine.product))
        .options(joinedload(OrderReceipt.actor))
        .order_by(OrderReceipt.at, OrderReceipt.id)
    ).all()
    total = sum(
        (line.unit_price * line.quantity for line in order.lines if line.unit_price is not None),
        start=0,
    )
    cancel_form = OrderCancelForm(formdata=None, version=order.version)
    return _render(
        "stock/order_detail.html",
        order=order,
        receipts=receipts,
        total=total,
        priced=any(line.unit_price is not None for line in order.lines),
        cancel_form=cancel_form,
        mailable=order_mail.can_mail(order),
        mail_tries_left=order_mail.MAX_ATTEMPTS - order.mail_attempts,
    )


@bp.get("/orders/<int:order_id>/print")
@require(P.STOCK_VIEW)
def order_print(order_id: int):
    """The order on paper (or as a PDF from the browser), for a supplier without e-mail."""
    order = queries.order_or_404(order_id, current_user)
    lines = order_mail.order_lines(order)
    return render_template(
        "stock/order_print.html",
        order=order,
        lines=lines,
        total=sum((line["sum"] for line in lines if line["sum"] is not None), Decimal(0)),
        priced=any(line["sum"] is not None for line in lines),
        sender=order.created_by,
    )


@bp.post("/orders/<int:order_id>/send")
@require(P.ORDERS_MANAGE)
def order_send(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    form = VersionedForm()
    if form.validate_on_submit():
        try:
            ops.send_order(actor(), order, expected_version=form.expected_version())
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            if order.mail_to is None:  # e-mailed orders are told about once the mail has gone
                flash(
                    _(
                        "Order %(number)s is marked as sent to %(supplier)s, expected "
                        "%(date)s. Print it and send it to the supplier.",
                        number=order.number,
                        supplier=order.supplier.name,
                        date=format_d(order.expected_on),
                    ),
                    "success",
                )
    return redirect(url_for("stock.order_detail", order_id=order.id))


@bp.post("/orders/<int:order_id>/cancel")
@require(P.ORDERS_MANAGE)
def order_cancel(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    form = OrderCancelForm()
    if form.validate_on_submit():
        try:
            ops.cancel_order(
                actor(), order, reason=form.reason.data, expected_version=form.expected_version()
            )
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for("stock.order_detail", order_id=order.id))


def _receive_entries(form: OrderReceiveForm, order) -> dict[int, object]:
    """One entry per order line, whatever came back from the browser."""
    entries = {}
    for entry in form.lines:
        line_id = _as_int(entry.line_id.data)
        if line_id is not None:
            entries[line_id] = entry
    for line in order.lines:
        if line.id not in entries:
            entries[line.id] = form.lines.append_entry({"line_id": str(line.id)})
    return entries


@bp.route("/orders/<int:order_id>/receive", methods=["GET", "POST"])
@require(P.STOCK_MANAGE)
def order_receive(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    if order.status not in OPEN_ORDER_STATUSES:
        flash(
            _("Send the order before receiving against it.")
            if order.status == OrderStatus.DRAFT
            else _("The order is closed."),
            "warning",
        )
        return redirect(url_for("stock.order_detail", order_id=order.id))
    form = OrderReceiveForm()
    if request.method == "GET":
        form.version.data = order.version
    entries = _receive_entries(form, order)
    line_errors: dict[int, list[str]] = {}
    over: dict[int, int] = {}
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            serials, quantities = {}, {}
            for line in order.lines:
                text = entries[line.id].received.data or ""
                if line.product.is_serialised:
                    serials[line.id] = text.splitlines()
                else:
                    quantities[line.id] = text.strip()
            lines_by_id = {line.id: line for line in order.lines}

            def place(name: str, messages: list[str]) -> bool:
                if name == "lines":
                    line_errors.setdefault(-1, []).extend(messages)
                    return True
                if name.startswith("line-"):
                    line_errors.setdefault(_as_int(name[5:]) or -1, []).extend(messages)
                    return True
                return False

            try:
                receipts = ops.receive_order(
                    actor(),
                    order,
                    serials=serials,
                    quantities=quantities,
                    reason=form.reason.data,
                    expected_version=form.expected_version(),
                    shared_serial_ok=form.shared_serial_ok.data,
                )
            except DomainError as exc:
                over = {int(k): v for k, v in (exc.details.get("over") or {}).items()}
                _show_refusal(exc, form, place)
                status = exc.status
            else:
                received = ", ".join(
                    f"{r.quantity} × {lines_by_id[r.line_id].product.name}" for r in receipts
                )
                flash(
                    _(
                        "Received on order %(number)s: %(items)s. The order is now: %(status)s.",
                        number=order.number,
                        items=received,
                        status=ORDER_STATUS_LABELS[order.status],
                    ),
                    "success",
                )
                return redirect(url_for("stock.order_detail", order_id=order.id))
        else:
            status = 422
    return _render(
        "stock/order_receive.html",
        status,
        form=form,
        order=order,
        entries=entries,
        line_errors=line_errors,
        over=over,
    )


# --- transfers ------------------------------------------------------------------------


@bp.get("/transfers")
@require(P.STOCK_VIEW)
def transfers():
    filters = TransferFilterForm(request.args)
    filters.status.choices = choices([("", _("All")), *list(TRANSFER_STATUS_LABELS.items())])
    filters.store_id.choices = choices(
        [("", _("All stores")), *_store_pairs(_stores(active_only=False))]
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
    return _render("stock/transfers.html", page=_page(stmt), filters=filters)


def _default_from_store(stores: list[Store]) -> Store | None:
    """The store the technician looks after (their car, say), else the first one."""
    mine = [s for s in stores if s.responsible_id == current_user.id]
    return (mine or stores or [None])[0]


def _consumables_in(store: Store) -> list[StockBalance]:
    return list(
        db.session.scalars(
            select(StockBalance)
            .join(Product, Product.id == StockBalance.product_id)
            .where(
                StockBalance.store_id == store.id,
                StockBalance.quantity > 0,
                Product.is_serialised.is_(False),
            )
            .options(joinedload(StockBalance.product))
            .order_by(Product.manufacturer, Product.model)
        )
    )


@bp.route("/transfers/new", methods=["GET", "POST"])
@require(P.STOCK_MANAGE)
def transfer_new():
    stores = _stores()
    form = TransferForm()
    wanted = form.from_store_id.data if request.method == "POST" else None
    wanted = _as_int(wanted or request.args.get("from_store_id"))
    from_store = (
        queries.store_or_404(wanted, current_user) if wanted else _default_from_store(stores)
    )
    if from_store is None:
        flash(_("You have no store to send from."), "warning")
        return redirect(url_for("stock.transfers"))
    form.from_store_id.data = str(from_store.id)
    targets = _store_pairs([s for s in stores if s.id != from_store.id])
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
        pid = _as_int(entry.product_id.data)
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
        products |= {
            p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(missing)))
        }
    quantity_errors: dict[int, list[str]] = {}

    def place(name: str, messages: list[str]) -> bool:
        if name.startswith("quantity-"):
            quantity_errors.setdefault(_as_int(name[9:]) or -1, []).extend(messages)
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
                _show_refusal(exc, form, place)
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
    return _render(
        "stock/transfer_form.html",
        status,
        form=form,
        stores=stores,
        from_store=from_store,
        rows=rows,
        quantity_errors=quantity_errors,
        store_choices=_store_pairs(stores),
        asked=asked,
        on_shelf=_on_shelf(from_store, asked) if asked else [],
    )


def _asked_for(targets) -> dict | None:
    """The shortfall board's suggestion in the address: a store among `targets`, a product
    and a quantity; anything else is ignored and the form starts empty."""
    to_store_id = _as_int(request.args.get("to_store_id"))
    quantity = _as_int(request.args.get("quantity"))
    product_id = _as_int(request.args.get("product_id"))
    if to_store_id not in {int(value) for value, _label in targets}:
        return None
    if not product_id or not quantity or not 0 < quantity <= 10_000:
        return None
    product = db.session.get(Product, product_id)
    if product is None:
        return None
    return {"to_store_id": to_store_id, "product": product, "quantity": quantity}


def _on_shelf(store: Store, asked: dict) -> list[str]:
    """Serial numbers of the product ready on the store's shelf that the receiving store may
    hold and no planned install has chosen, to find the devices to send."""
    product, quantity = asked["product"], asked["quantity"]
    to_store = db.session.get(Store, asked["to_store_id"])
    if not product.is_serialised or to_store is None:
        return []
    booked = select(Visit.device_id).where(
        Visit.status == VisitStatus.PLANNED, Visit.device_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Device.serial_number)
            .where(
                Device.store_id == store.id,
                Device.product_id == product.id,
                Device.status == DeviceStatus.IN_STOCK,
                Device.municipality_id.in_(sorted(to_store.served_municipality_ids)),
                Device.id.not_in(booked),
            )
            .order_by(Device.serial_number)
            .limit(min(quantity, 50) + 10)
        )
    )


@bp.get("/transfers/<int:transfer_id>")
@require(P.STOCK_VIEW)
def transfer_detail(transfer_id: int):
    transfer = queries.transfer_or_404(transfer_id, current_user)
    # Either end makes it visible; only a store the user may use is a link or a place to land.
    usable = set(
        db.session.scalars(
            queries.store_ids_for(current_user, active_only=False).where(
                Store.id.in_([transfer.from_store_id, transfer.to_store_id])
            )
        )
    )
    return _render("stock/transfer_detail.html", transfer=transfer, usable=usable)


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
@require(P.STOCK_MANAGE)
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
@require(P.STOCK_MANAGE)
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


# --- stock counts ---------------------------------------------------------------------


@bp.get("/counts")
@require(P.STOCK_VIEW)
def counts():
    ids = queries.store_ids_for(current_user, active_only=False)
    stmt = (
        select(StockCount)
        .where(StockCount.store_id.in_(ids))
        .options(
            joinedload(StockCount.store),
            joinedload(StockCount.started_by),
            joinedload(StockCount.confirmed_by),
        )
        .order_by(
            case((StockCount.status == CountStatus.OPEN.value, 0), else_=1),
            StockCount.id.desc(),
        )
    )
    page = _page(stmt)
    stores = _stores()
    open_counts = dict(
        db.session.execute(
            select(StockCount.store_id, StockCount.id).where(
                StockCount.store_id.in_([s.id for s in stores]),
                StockCount.status == CountStatus.OPEN.value,
            )
        ).all()
    )
    return _render(
        "stock/counts.html",
        page=page,
        stores=stores,
        open_counts=open_counts,
    )


@bp.post("/stores/<int:store_id>/counts")
@require(P.STOCK_MANAGE)
def count_start(store_id: int):
    store = queries.store_or_404(store_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = ops.start_count(actor(), store, note=request.form.get("note"))
    except ConflictError as exc:
        open_id = exc.details.get("count_id")
        if open_id is None:
            flash(str(exc.message), "danger")
            return redirect(url_for("stock.counts"))
        flash(
            _(
                "A count of %(store)s is already under way. Carry on with it here.",
                store=store.name,
            ),
            "info",
        )
        return redirect(url_for("stock.count_detail", count_id=open_id))
    except DomainError as exc:
        flash_domain_error(exc)
        return redirect(url_for("stock.counts"))
    flash(
        _(
            "The count of %(store)s is started. Scan every device on the shelf "
            "and count the consumables.",
            store=store.name,
        ),
        "success",
    )
    return redirect(url_for("stock.count_detail", count_id=count.id))


def _count_or_404(count_id: int) -> StockCount:
    return queries.count_or_404(count_id, current_user)


def _countable(count: StockCount) -> list[tuple[Product, int, int | None]]:
    """Consumables to count here: (product, expected, counted so far)."""
    balances = dict(
        db.session.execute(
            select(StockBalance.product_id, StockBalance.quantity).where(
                StockBalance.store_id == count.store_id
            )
        ).all()
    )
    counted = {q.product_id: q.counted for q in count.quantities}
    ids = set(balances) | set(counted)
    products = (
        db.session.scalars(
            select(Product)
            .where(Product.id.in_(ids), Product.is_serialised.is_(False))
            .order_by(Product.manufacturer, Product.model)
        ).all()
        if ids
        else []
    )
    return [(p, balances.get(p.id, 0), counted.get(p.id)) for p in products]


def _quantity_form(count: StockCount, countable, form: CountQuantityForm | None = None):
    if form is None:
        form = CountQuantityForm(formdata=None)
        for product, _expected, counted in countable:
            form.lines.append_entry(
                {
                    "product_id": str(product.id),
                    "counted": "" if counted is None else str(counted),
                }
            )
    listed = {p.id for p, _e, _c in countable}
    others = db.session.scalars(eq_queries.products().where(Product.is_serialised.is_(False))).all()
    form.extra_product_id.choices = choices(
        [("", _("Choose a consumable"))] + [(p.id, p.name) for p in others if p.id not in listed]
    )
    return form


def _count_summary(count: StockCount) -> dict | None:
    event = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == StockCount.__tablename__,
            AuditEvent.object_id == str(count.id),
            AuditEvent.action == "stock_count.confirm",
        )
        .order_by(AuditEvent.id.desc())
    ).first()
    if event is None:
        return None
    return (event.changes.get("result") or {}).get("after")


def _render_count(
    count: StockCount,
    *,
    status: int = 200,
    scan_form: CountScanForm | None = None,
    quantity_form: CountQuantityForm | None = None,
    confirm_form: CountConfirmForm | None = None,
    quantity_errors: dict | None = None,
):
    context = {"count": count, "quantity_errors": quantity_errors or {}}
    scans = count.scans
    if count.status == CountStatus.OPEN:
        result = queries.count_result(count)
        countable = _countable(count)
        context |= {
            "result": result,
            "countable": countable,
            "scan_form": scan_form or CountScanForm(formdata=None),
            "quantity_form": _quantity_form(count, countable, quantity_form),
            "confirm_form": confirm_form or CountConfirmForm(formdata=None, version=count.version),
            "cancel_form": VersionedForm(formdata=None, version=count.version),
        }
    else:
        adjustments = db.session.scalars(
            select(StockMovement)
            .where(StockMovement.count_id == count.id)
            .options(joinedload(StockMovement.product))
            .order_by(StockMovement.id)
        ).all()
        context |= {"summary": _count_summary(count), "adjustments": adjustments}
    context["scan_total"] = len(scans)
    return _render("stock/count_detail.html", status, **context)


@bp.get("/counts/<int:count_id>")
@require(P.STOCK_VIEW)
def count_detail(count_id: int):
    return _render_count(_count_or_404(count_id))


@bp.post("/counts/<int:count_id>/scans")
@require(P.STOCK_MANAGE)
def count_scan(count_id: int):
    count = _count_or_404(count_id)
    form = CountScanForm()
    done = submit(
        form, lambda: ops.add_count_scans(actor(), count, (form.serials.data or "").splitlines())
    )
    if done.ok:
        added, repeated = done.result["added"], done.result["repeated"]
        message = ngettext(
            "%(num)d serial number registered.", "%(num)d serial numbers registered.", added
        )
        if repeated:
            message += " " + ngettext(
                "%(num)d was already scanned.", "%(num)d were already scanned.", repeated
            )
        flash(message, "success")
        return redirect(url_for("stock.count_detail", count_id=count.id, _anchor="scan"))
    if done.status == 409:
        return redirect(url_for("stock.count_detail", count_id=count.id))
    return _render_count(count, status=done.status, scan_form=form)


@bp.post("/counts/<int:count_id>/quantities")
@require(P.STOCK_MANAGE)
def count_quantities(count_id: int):
    count = _count_or_404(count_id)
    form = CountQuantityForm()
    quantity_errors: dict[int, list[str]] = {}
    if not form.validate_on_submit():
        return _render_count(count, status=422, quantity_form=form)
    wanted: list[tuple[int, str]] = []
    for entry in form.lines:
        pid = _as_int(entry.product_id.data)
        value = (entry.counted.data or "").strip()
        if pid is not None and value:
            wanted.append((pid, value))
    if form.extra_product_id.data and (form.extra_counted.data or "").strip():
        wanted.append((form.extra_product_id.data, form.extra_counted.data.strip()))
    elif form.extra_product_id.data:
        form.extra_counted.errors = [_("Enter how many you counted.")]
        return _render_count(count, status=422, quantity_form=form)
    products = {
        p.id: p
        for p in db.session.scalars(
            select(Product).where(Product.id.in_([pid for pid, _v in wanted]))
        )
    }
    if any(pid not in products for pid, _v in wanted):
        abort(404)
    try:
        ops.set_count_quantities(actor(), count, [(products[pid], value) for pid, value in wanted])
    except DomainError as exc:
        if exc.status == 409:
            flash(str(exc.message), "danger")
        for name, messages in exc.fields.items():
            pid = _as_int(name.removeprefix("counted-"))
            quantity_errors.setdefault(pid, []).extend(str(m) for m in messages)
        extra = form.extra_product_id.data
        if extra in quantity_errors:
            form.extra_counted.errors = quantity_errors.pop(extra)
        return _render_count(
            count, status=exc.status, quantity_form=form, quantity_errors=quantity_errors
        )
    if wanted:
        flash(
            ngettext(
                "%(num)d counted quantity is saved.",
                "%(num)d counted quantities are saved.",
                len(wanted),
            ),
            "success",
        )
    return redirect(url_for("stock.count_detail", count_id=count.id, _anchor="consumables"))


@bp.post("/counts/<int:count_id>/confirm")
@require(P.STOCK_MANAGE)
def count_confirm(count_id: int):
    count = _count_or_404(count_id)
    form = CountConfirmForm()
    done = submit(
        form,
        lambda: ops.confirm_count(
            actor(),
            count,
            lost_device_ids=form.lost_device_ids.data or (),
            reason=form.reason.data,
            expected_version=form.expected_version(),
        ),
    )
    if done.ok:
        r = done.result
        flash(
            _(
                "The count of %(store)s is confirmed: %(moved)d moved here, %(lost)d marked "
                "lost, %(adjusted)d consumables adjusted.",
                store=count.store.name,
                moved=r["moved"],
                lost=r["lost"],
                adjusted=r["adjusted"],
            ),
            "success",
        )
        return redirect(url_for("stock.count_detail", count_id=count.id))
    if done.status == 409:
        return redirect(url_for("stock.count_detail", count_id=count.id))
    return _render_count(count, status=done.status, confirm_form=form)


@bp.post("/counts/<int:count_id>/cancel")
@require(P.STOCK_MANAGE)
def count_cancel(count_id: int):
    count = _count_or_404(count_id)
    form = VersionedForm()
    if form.validate_on_submit():
        try:
            ops.cancel_count(actor(), count, expected_version=form.expected_version())
        except DomainError as exc:
            flash_domain_error(exc)
        else:
            flash(_("The count is cancelled. Nothing was changed."), "success")
    return redirect(url_for("stock.count_detail", count_id=count.id))
