"""Purchase order pages: the list, a draft, sending, printing and receiving."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vftops.core import modules
from vftops.core.errors import DomainError
from vftops.core.forms import VersionedForm, choices
from vftops.core.i18n import format_d
from vftops.core.inputs import db_int
from vftops.core.permissions import require
from vftops.core.scope import get_scoped_or_404, scoped_or_none
from vftops.core.web import actor, flash_domain_error
from vftops.equipment import queries as eq_queries
from vftops.equipment.models import Product
from vftops.stock import operations as ops
from vftops.stock import order_mail, queries
from vftops.stock.forms_orders import (
    OrderCancelForm,
    OrderFilterForm,
    OrderForm,
    OrderReceiveForm,
)
from vftops.stock.models import (
    OPEN_ORDER_STATUSES,
    OrderStatus,
)
from vftops.stock.permissions import ORDERS_MANAGE, STOCK_MANAGE, STOCK_VIEW
from vftops.suppliers.models import Supplier
from vftops.suppliers.queries import active_suppliers

from .common import bp
from .ordering import (
    ORDER_STATUS_LABELS,
    active_stores,
    as_int,
    page_of,
    render,
    store_pairs,
)

# --- purchase orders ------------------------------------------------------------------


def _order_filters() -> tuple[OrderFilterForm, dict]:
    filters = OrderFilterForm(request.args)
    filters.status.choices = choices(
        [("", _("All")), ("open", _("Open (not yet received)")), *list(ORDER_STATUS_LABELS.items())]
    )
    filters.store_id.choices = choices(
        [("", _("All stores")), *store_pairs(active_stores(active_only=False))]
    )
    filters.validate()
    criteria = {
        "status": filters.status.data if not filters.status.errors else None,
        "store_id": filters.store_id.data if not filters.store_id.errors else None,
        "overdue": bool(filters.overdue.data),
    }
    return filters, criteria


@bp.get("/orders")
@require(STOCK_VIEW)
def orders():
    filters, criteria = _order_filters()
    page = page_of(queries.orders_for(current_user, **criteria))
    return render("stock/orders.html", page=page, filters=filters)


def _product_rows(extra_ids=()) -> dict[int, Product]:
    """Active catalogue products (and the ones already on the order), by id."""
    rows = {p.id: p for p in eq_queries.active_products()}
    missing = set(extra_ids) - set(rows)
    if missing:
        rows |= queries.by_id(Product, missing)
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
        form.store_id.choices = choices([("", _("Choose a store")), *store_pairs(active_stores())])
        suppliers = active_suppliers()
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
            n = as_int(name.split("-", 1)[1])
            if n is not None and 0 <= n < len(rows):
                line_errors.setdefault(rows[n][0], []).extend(messages)
                return True
        return False

    return place


def _order_lines_arg(rows):
    return [(product, quantity, price or None) for _i, product, quantity, price in rows]


@bp.route("/orders/new", methods=["GET", "POST"])
@require(ORDERS_MANAGE)
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
            supplier = scoped_or_none(Supplier, form.supplier_id.data, current_user)
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
            supplier = get_scoped_or_404(Supplier, form.supplier_id.data, current_user)
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
                flash_domain_error(exc, form, place=_line_placer(rows, line_errors))
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
    return render("stock/order_form.html", status, form=form, order=None, line_errors=line_errors)


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@require(ORDERS_MANAGE)
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
                flash_domain_error(exc, form, place=_line_placer(rows, line_errors))
                status = exc.status
            else:
                flash(_("The changes are saved."), "success")
                return redirect(url_for("stock.order_detail", order_id=order.id))
        else:
            status = 422
    if is_draft:
        _pad_lines(form, 2)
    _prepare_order_form(form, products, with_heads=False)
    return render(
        "stock/order_form.html",
        status,
        form=form,
        order=order,
        is_draft=is_draft,
        line_errors=line_errors,
    )


@bp.get("/orders/<int:order_id>")
@require(STOCK_VIEW)
def order_detail(order_id: int):
    order = queries.order_or_404(order_id, current_user)
    receipts = queries.receipts_of(order)
    total = sum(
        (line.unit_price * line.quantity for line in order.lines if line.unit_price is not None),
        start=0,
    )
    cancel_form = OrderCancelForm(formdata=None, version=order.version)
    return render(
        "stock/order_detail.html",
        order=order,
        receipts=receipts,
        total=total,
        priced=any(line.unit_price is not None for line in order.lines),
        cancel_form=cancel_form,
        mailable=order_mail.can_mail(order),
        mail_tries_left=order_mail.MAX_ATTEMPTS - order.mail_attempts,
        # What the modules above add: e.g. the agreement the order is a call-off on.
        parts=modules.page_parts("stock.order", order, current_user),
    )


@bp.get("/orders/<int:order_id>/print")
@require(STOCK_VIEW)
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
@require(ORDERS_MANAGE)
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
@require(ORDERS_MANAGE)
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
        line_id = as_int(entry.line_id.data)
        if line_id is not None:
            entries[line_id] = entry
    for line in order.lines:
        if line.id not in entries:
            entries[line.id] = form.lines.append_entry({"line_id": str(line.id)})
    return entries


@bp.route("/orders/<int:order_id>/receive", methods=["GET", "POST"])
@require(STOCK_MANAGE)
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
                    line_errors.setdefault(as_int(name[5:]) or -1, []).extend(messages)
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
                flash_domain_error(exc, form, place=place)
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
    return render(
        "stock/order_receive.html",
        status,
        form=form,
        order=order,
        entries=entries,
        line_errors=line_errors,
        over=over,
    )
