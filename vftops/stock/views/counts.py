"""Stock count pages: scanning, counting, confirming and cancelling."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from vftops.core.errors import ConflictError, DomainError
from vftops.core.forms import ConfirmForm, VersionedForm, choices
from vftops.core.permissions import require
from vftops.core.web import actor, flash_domain_error, submit
from vftops.equipment import queries as eq_queries
from vftops.equipment.models import Product
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms_orders import (
    CountConfirmForm,
    CountQuantityForm,
    CountScanForm,
)
from vftops.stock.models import (
    CountStatus,
    StockCount,
)
from vftops.stock.permissions import STOCK_MANAGE, STOCK_VIEW

from .common import bp
from .ordering import active_stores, as_int, page_of, render

# --- stock counts ---------------------------------------------------------------------


@bp.get("/counts")
@require(STOCK_VIEW)
def counts():
    page = page_of(queries.counts_for(current_user))
    stores = active_stores()
    open_counts = queries.open_count_ids(s.id for s in stores)
    return render(
        "stock/counts.html",
        page=page,
        stores=stores,
        open_counts=open_counts,
    )


@bp.post("/stores/<int:store_id>/counts")
@require(STOCK_MANAGE)
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
    balances = queries.balances_in(count.store_id)
    counted = {q.product_id: q.counted for q in count.quantities}
    ids = set(balances) | set(counted)
    products = eq_queries.consumables(ids=ids, active_only=False) if ids else []
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
    others = eq_queries.consumables()
    form.extra_product_id.choices = choices(
        [("", _("Choose a consumable"))] + [(p.id, p.name) for p in others if p.id not in listed]
    )
    return form


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
        context |= {
            "summary": queries.count_summary(count),
            "adjustments": queries.count_adjustments(count),
        }
    context["scan_total"] = len(scans)
    return render("stock/count_detail.html", status, **context)


@bp.get("/counts/<int:count_id>")
@require(STOCK_VIEW)
def count_detail(count_id: int):
    return _render_count(_count_or_404(count_id))


@bp.post("/counts/<int:count_id>/scans")
@require(STOCK_MANAGE)
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
@require(STOCK_MANAGE)
def count_quantities(count_id: int):
    count = _count_or_404(count_id)
    form = CountQuantityForm()
    quantity_errors: dict[int, list[str]] = {}
    if not form.validate_on_submit():
        return _render_count(count, status=422, quantity_form=form)
    wanted: list[tuple[int, str]] = []
    for entry in form.lines:
        pid = as_int(entry.product_id.data)
        value = (entry.counted.data or "").strip()
        if pid is not None and value:
            wanted.append((pid, value))
    if form.extra_product_id.data and (form.extra_counted.data or "").strip():
        wanted.append((form.extra_product_id.data, form.extra_counted.data.strip()))
    elif form.extra_product_id.data:
        form.extra_counted.errors = [_("Enter how many you counted.")]
        return _render_count(count, status=422, quantity_form=form)
    products = queries.by_id(Product, [pid for pid, _v in wanted])
    if any(pid not in products for pid, _v in wanted):
        abort(404)

    def place(name: str, messages: list[str]) -> bool:
        # The operation names each line by its product: counted-<product id>.
        quantity_errors.setdefault(as_int(name.removeprefix("counted-")), []).extend(messages)
        return True

    try:
        ops.set_count_quantities(actor(), count, [(products[pid], value) for pid, value in wanted])
    except DomainError as exc:
        flash_domain_error(exc, place=place)
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
@require(STOCK_MANAGE)
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
@require(STOCK_MANAGE)
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
