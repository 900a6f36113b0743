"""Pages for stores, stock levels, minimums, the shortfall board, consumables and idle cost.

Orders, transfers and counts live in `views_orders`; notifications in
`views_notify`. All register on this blueprint.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from vftops.auth.models import User, UserRole
from vftops.core.charts import nice_step
from vftops.core.errors import DomainError
from vftops.core.forms import ConfirmForm, choices
from vftops.core.inputs import db_int
from vftops.core.permissions import ROLE_PERMISSIONS, Permission, require
from vftops.core.picker import picker
from vftops.core.scope import get_scoped_or_404, id_or_404, municipality_ids
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment.models import DeviceStatus, Product, Recipient, Store
from vftops.equipment.pickers import recipient_picker
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms import (
    STORE_KIND_LABELS,
    AdjustConsumablesForm,
    IssueConsumablesForm,
    MinimumForm,
    ReceiveConsumablesForm,
    StoreForm,
)
from vftops.stock.models import StockBalance, StockMinimum

bp = Blueprint("stock", __name__, url_prefix="/stock")

P = Permission

_STORE_OPTIONS = (
    joinedload(Store.municipality),
    joinedload(Store.responsible),
    selectinload(Store.shared_with),
)


def kr(value) -> str:
    """Kroner the Norwegian way: «1 234,50 kr»."""
    return format_currency(value if value is not None else Decimal(0), "NOK")


def num(value, pattern: str = "#,##0.##") -> str:
    return format_decimal(value if value is not None else 0, format=pattern)


@bp.context_processor
def stock_helpers():
    return {"kr": kr, "num": num, "store_kind_labels": STORE_KIND_LABELS}


def _store(store_id: int) -> Store:
    return queries.store_or_404(store_id, current_user, options=_STORE_OPTIONS)


def _product_or_404(product_id) -> Product:
    product = db.session.get(Product, id_or_404(product_id)) if product_id else None
    if product is None:
        abort(404)
    return product


def _minimum_row(store: Store, product: Product) -> StockMinimum | None:
    return db.session.scalars(
        select(StockMinimum).where(
            StockMinimum.store_id == store.id, StockMinimum.product_id == product.id
        )
    ).first()


def shortfall_order_quantity(level) -> int:
    """What «Order what is missing» puts on the order: up to the target, less what is on
    order or on its way and what other stores can send (0: nothing to order)."""
    return level.order_after_transfers


# --- charts (the geometry here, the drawing in templates/stock/_charts.html) -------------

# Stacking order and colours of the «devices by status» bars (white text on each).
STATUS_ORDER = [
    DeviceStatus.IN_STOCK,
    DeviceStatus.AWAITING_RESET,
    DeviceStatus.IN_REPAIR,
    DeviceStatus.IN_TRANSIT,
    DeviceStatus.INSTALLED,
    DeviceStatus.LOST,
    DeviceStatus.SCRAPPED,
]
STATUS_COLOURS = {
    DeviceStatus.IN_STOCK: "#1b5e20",
    DeviceStatus.AWAITING_RESET: "#8a4b00",
    DeviceStatus.IN_REPAIR: "#6a1b9a",
    DeviceStatus.IN_TRANSIT: "#00545c",
    DeviceStatus.INSTALLED: "#0d47a1",
    DeviceStatus.LOST: "#3d3d3d",
    DeviceStatus.SCRAPPED: "#616161",
}


def status_chart(stores, by_status: dict[int, dict[str, int]]) -> dict:
    """Horizontal stacked bars, one per store: the store's name above its bar."""
    width, bar_left, bar_width, row_height = 400, 0, 350, 56
    used = [s for s in STATUS_ORDER if any(c.get(s.value) for c in by_status.values())]
    totals = {s.id: sum(by_status.get(s.id, {}).values()) for s in stores}
    biggest = max(totals.values(), default=0) or 1
    rows = []
    for index, store in enumerate(stores):
        counts = by_status.get(store.id, {})
        x = bar_left
        segments = []
        for status in used:
            n = counts.get(status.value, 0)
            if not n:
                continue
            w = n / biggest * bar_width
            segments.append(
                {"status": status, "n": n, "x": round(x, 1), "w": round(w, 1), "wide": w >= 26}
            )
            x += w
        rows.append(
            {
                "store": store,
                "y": index * row_height,
                "segments": segments,
                "total": totals[store.id],
                "end": round(x, 1),
                "counts": counts,
            }
        )
    return {
        "width": width,
        "height": max(len(rows) * row_height, row_height),
        "rows": rows,
        "statuses": used,
        "colours": STATUS_COLOURS,
        "labels": STATUS_LABELS,
    }


def history_chart(points: list[tuple[date, int]], minimum, target) -> dict:
    """A step line of available stock per day, with the minimum and the target as lines."""
    width, height = 420, 250
    left, right, top, bottom = 34, 96, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _d, v in points]
    highest = max([*values, minimum or 0, target or 0, 1])
    step = nice_step(highest)
    y_max = step * math.ceil(highest / step)
    if y_max == highest:
        y_max += step
    n = max(len(points), 1)

    def x(i: float) -> float:
        return round(left + i * plot_w / n, 1)

    def y(v: float) -> float:
        return round(top + plot_h - v / y_max * plot_h, 1)

    path = []
    for i, (_day, value) in enumerate(points):
        path.append(f"M {x(i)} {y(value)}" if i == 0 else f"V {y(value)}")
        path.append(f"H {x(i + 1)}")
    label_at = sorted({round(k * (n - 1) / 4) for k in range(5)}) if n > 1 else [0]
    pattern = "d. MMM" if n <= 120 else "MMM yy"  # a year's axis names the year too
    x_ticks = [
        {"x": round((x(i) + x(i + 1)) / 2, 1), "label": format_date(points[i][0], pattern)}
        for i in label_at
        if i < len(points)
    ]
    y_ticks = [{"y": y(v), "label": v} for v in range(0, y_max + 1, step)]
    below = [i for i, v in enumerate(values) if minimum is not None and v < minimum]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "bottom": height - bottom,
        "path": " ".join(path),
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "minimum_y": y(minimum) if minimum is not None else None,
        "target_y": y(target) if target is not None and target != minimum else None,
        "below": [{"x": x(i), "w": round(x(i + 1) - x(i), 1)} for i in below],
    }


# --- the shortfall board --------------------------------------------------------------


@bp.get("")
@require(P.STOCK_VIEW)
def shortfalls():
    """Every store × product of mine below its minimum, worst first."""
    rows = queries.shortfalls(current_user)
    return render_template(
        "stock/shortfalls.html", rows=rows, order_quantity=shortfall_order_quantity
    )


@bp.post("/stores/<int:store_id>/products/<int:product_id>/order")
@require(P.ORDERS_MANAGE)
def order_shortfall(store_id: int, product_id: int):
    """«Bestill det som mangler»: a draft order up to the target, ready to check and send."""
    store = _store(store_id)
    product = _product_or_404(product_id)
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


# --- stores ---------------------------------------------------------------------------


@bp.get("/stores")
@require(P.STOCK_VIEW)
def stores():
    archived = request.args.get("archived") == "1"
    rows = db.session.scalars(
        queries.stores_for(current_user, active_only=not archived).options(
            joinedload(Store.responsible)
        )
    ).all()
    ids = [s.id for s in rows]
    by_status = queries.status_by_store(ids) if ids else {}
    short: dict[int, int] = {}
    if ids:
        for level in queries.levels(ids, with_minimum_only=True, short_only=True):
            short[level.store.id] = short.get(level.store.id, 0) + 1
    return render_template(
        "stock/stores.html",
        stores=rows,
        archived=archived,
        by_status=by_status,
        short=short,
        chart=status_chart(rows, by_status),
    )


def _fill_store_choices(form: StoreForm, store: Store | None = None) -> None:
    mids = municipality_ids(current_user)
    municipalities = db.session.scalars(
        select(Municipality).where(Municipality.id.in_(mids)).order_by(Municipality.name)
    ).all()
    if form.municipality_id is not None:
        form.municipality_id.choices = choices((m.id, m.name) for m in municipalities)
    owner = store.municipality_id if store is not None else None
    form.shared_with_ids.choices = choices((m.id, m.name) for m in municipalities if m.id != owner)
    people = db.session.scalars(
        select(User)
        .where(
            User.is_active_user.is_(True),
            User.id.in_(select(Membership.user_id).where(Membership.municipality_id.in_(mids))),
        )
        .order_by(User.full_name)
    ).all()
    pairs = [(u.id, u.full_name) for u in people]
    known = {u.id for u in people}
    if store is not None and store.responsible is not None and store.responsible_id not in known:
        pairs.append((store.responsible_id, store.responsible.full_name))
    form.responsible_id.choices = choices([("", _("Nobody")), *pairs])
    picker(form.responsible_id)


def _store_data(form: StoreForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "responsible_id": form.responsible_id.data,
        "address": form.address.data,
        "note": form.note.data,
    }


@bp.route("/stores/new", methods=["GET", "POST"])
@require(P.STORES_MANAGE)
def store_new():
    form = StoreForm()
    del form.is_active  # a new store is in use
    _fill_store_choices(form)

    def run():
        municipality = get_scoped_or_404(Municipality, form.municipality_id.data, current_user)
        return ops.create_store(
            actor(),
            municipality,
            shared_with_ids=form.shared_with_ids.data or [],
            **_store_data(form),
        )

    done = submit(form, run)
    if done.ok:
        flash(_("%(name)s is created.", name=done.result.name), "success")
        return redirect(url_for("stock.store_detail", store_id=done.result.id))
    return render_template("stock/store_form.html", form=form, store=None), done.status


@bp.route("/stores/<int:store_id>/edit", methods=["GET", "POST"])
@require(P.STORES_MANAGE)
def store_edit(store_id: int):
    store = _store(store_id)
    form = StoreForm(obj=store)
    del form.municipality_id
    _fill_store_choices(form, store)
    mine = municipality_ids(current_user)
    shared_now = [m.id for m in store.shared_with]
    # Shares with municipalities the editor does not work in are kept as they are.
    others = [m for m in store.shared_with if m.id not in mine]
    if request.method == "GET":
        form.shared_with_ids.data = [i for i in shared_now if i in mine]

    def run():
        data = _store_data(form) | {"is_active": form.is_active.data}
        chosen = set(form.shared_with_ids.data or [])
        if chosen != {i for i in shared_now if i in mine}:
            data["shared_with_ids"] = sorted(chosen | {m.id for m in others})
        return ops.update_store(actor(), store, expected_version=form.expected_version(), **data)

    done = submit(form, run)
    if done.ok:
        if not done.result.is_active:
            flash(_("%(name)s is archived.", name=done.result.name), "success")
        else:
            flash(_("The changes are saved."), "success")
        return redirect(url_for("stock.store_detail", store_id=store.id))
    return render_template(
        "stock/store_form.html", form=form, store=store, other_shares=others
    ), done.status


@bp.get("/stores/<int:store_id>")
@require(P.STOCK_VIEW)
def store_detail(store_id: int):
    store = _store(store_id)
    rows = queries.levels([store.id])
    rows.sort(key=lambda lv: (not lv.is_short, lv.product.name))
    return render_template("stock/store_detail.html", store=store, levels=rows)


# --- minimums and suggestions -----------------------------------------------------------


def _minimum_page(store: Store, product: Product | None):
    form = MinimumForm()
    if product is not None:
        del form.product_id
        row = _minimum_row(store, product)
        if request.method == "GET" and row is not None:
            form.minimum.data = str(row.minimum)
            form.reorder_target.data = str(row.reorder_target) if row.reorder_target else ""
            form.version.data = row.version
    else:
        row = None
        products = db.session.scalars(
            select(Product)
            .where(Product.is_active.is_(True))
            .order_by(Product.manufacturer, Product.model)
        ).all()
        form.product_id.choices = choices(
            [("", _("Choose a product"))] + [(p.id, p.name) for p in products]
        )
        if request.method == "GET":
            form.product_id.data = request.args.get("product_id", type=db_int)

    def run():
        chosen = product or _product_or_404(form.product_id.data)
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
@require(P.STORES_MANAGE)
def minimum_new(store_id: int):
    return _minimum_page(_store(store_id), None)


@bp.route("/stores/<int:store_id>/products/<int:product_id>/minimum", methods=["GET", "POST"])
@require(P.STORES_MANAGE)
def set_minimum(store_id: int, product_id: int):
    return _minimum_page(_store(store_id), _product_or_404(product_id))


@bp.post("/stores/<int:store_id>/products/<int:product_id>/minimum/delete")
@require(P.STORES_MANAGE)
def delete_minimum(store_id: int, product_id: int):
    store = _store(store_id)
    product = _product_or_404(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = _minimum_row(store, product)
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
@require(P.STOCK_VIEW)
def suggestions(store_id: int):
    """Suggested minimums, each with the figures it comes from."""
    store = _store(store_id)
    found = sorted(queries.suggestions(store).values(), key=lambda s: s.product.name)
    minimums = {
        row.product_id: row
        for row in db.session.scalars(select(StockMinimum).where(StockMinimum.store_id == store.id))
    }
    return render_template(
        "stock/suggestions.html",
        store=store,
        suggestions=found,
        minimums=minimums,
        z=queries.SERVICE_LEVEL_Z,
    )


@bp.post("/stores/<int:store_id>/products/<int:product_id>/suggestion")
@require(P.STORES_MANAGE)
def accept_suggestion(store_id: int, product_id: int):
    store = _store(store_id)
    product = _product_or_404(product_id)
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


# --- history and idle cost ------------------------------------------------------------

HISTORY_DAYS = (30, 90, 365)


@bp.get("/stores/<int:store_id>/products/<int:product_id>")
@require(P.STOCK_VIEW)
def product_history(store_id: int, product_id: int):
    store = _store(store_id)
    product = _product_or_404(product_id)
    days = request.args.get("days", 90, type=db_int)
    if days not in HISTORY_DAYS:
        days = 90
    points = queries.available_history(store, product, days=days)
    level = queries.level_for(store, product)
    lowest = min(points, key=lambda p: p[1]) if points else None
    return render_template(
        "stock/product_history.html",
        store=store,
        product=product,
        days=days,
        history_days=HISTORY_DAYS,
        points=points,
        level=level,
        lowest=lowest,
        chart=history_chart(points, level.minimum, level.reorder_target),
    )


@bp.get("/idle-cost")
@require(P.STOCK_VIEW)
def idle_cost():
    """Leased devices lying on a shelf, and what their rent costs."""
    rows = queries.idle_costs(queries.store_ids_for(current_user))
    totals = {
        "idle_now": sum(r.idle_now for r in rows),
        "per_month": sum((r.cost_per_month for r in rows), Decimal(0)),
        "twelve_months": sum((r.cost_12_months for r in rows), Decimal(0)),
    }
    return render_template("stock/idle_cost.html", rows=rows, totals=totals)


# --- consumables ---------------------------------------------------------------------


def _consumable_choices(field, store: Store) -> None:
    products = db.session.scalars(
        select(Product)
        .where(Product.is_serialised.is_(False), Product.is_active.is_(True))
        .order_by(Product.manufacturer, Product.model)
    ).all()
    balances = dict(
        db.session.execute(
            select(StockBalance.product_id, StockBalance.quantity).where(
                StockBalance.store_id == store.id
            )
        ).all()
    )
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
@require(P.STOCK_MANAGE)
def consumable_receive(store_id: int):
    store = _store(store_id)
    form = ReceiveConsumablesForm()
    _consumable_choices(form.product_id, store)
    done = submit(
        form,
        lambda: ops.receive_consumables(
            actor(),
            store,
            _product_or_404(form.product_id.data),
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
    roles = [
        r.value
        for r, perms in ROLE_PERMISSIONS.items()
        if P.STOCK_MANAGE in perms or P.PLACEMENTS_MANAGE in perms
    ]
    return db.session.scalars(
        select(User)
        .where(
            User.is_active_user.is_(True),
            User.id.in_(
                select(Membership.user_id).where(Membership.municipality_id.in_(municipality_ids_))
            ),
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles))),
        )
        .order_by(User.full_name)
    ).all()


@bp.route("/stores/<int:store_id>/consumables/issue", methods=["GET", "POST"])
@require(P.STOCK_MANAGE)
def consumable_issue(store_id: int):
    store = _store(store_id)
    form = IssueConsumablesForm()
    _consumable_choices(form.product_id, store)
    served = set(store.served_municipality_ids & municipality_ids(current_user))
    if current_user.can(P.RECIPIENTS_VIEW):
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
        if form.recipient_id is not None and form.recipient_id.data:
            recipient = get_scoped_or_404(Recipient, form.recipient_id.data, current_user)
        issued_to = db.session.get(User, form.issued_to_id.data) if form.issued_to_id.data else None
        return ops.issue_consumables(
            actor(),
            store,
            _product_or_404(form.product_id.data),
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
@require(P.STOCK_MANAGE)
def consumable_adjust(store_id: int):
    store = _store(store_id)
    form = AdjustConsumablesForm()
    _consumable_choices(form.product_id, store)
    product_holder: dict = {}

    def run():
        product = product_holder["product"] = _product_or_404(form.product_id.data)
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


# Route modules register on `bp` when imported.
from vftops.stock import views_notify, views_orders  # noqa: E402, F401
