"""Store pages: the list, a store's stock, and registering and changing a store."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from vftops.auth.queries import active_colleagues
from vftops.core.forms import choices
from vftops.core.permissions import require
from vftops.core.picker import picker
from vftops.core.scope import get_scoped_or_404, municipality_ids
from vftops.core.web import actor, submit
from vftops.equipment.models import Store
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.org.queries import municipalities_of
from vftops.stock import operations as ops
from vftops.stock import queries
from vftops.stock.forms import (
    StoreForm,
)
from vftops.stock.permissions import STOCK_VIEW, STORES_MANAGE

from .charts import status_chart
from .common import bp, store_or_404

# --- stores ---------------------------------------------------------------------------


@bp.get("/stores")
@require(STOCK_VIEW)
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
    municipalities = municipalities_of(current_user)
    if form.municipality_id is not None:
        form.municipality_id.choices = choices((m.id, m.name) for m in municipalities)
    owner = store.municipality_id if store is not None else None
    form.shared_with_ids.choices = choices((m.id, m.name) for m in municipalities if m.id != owner)
    people = active_colleagues(current_user)
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
@require(STORES_MANAGE)
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
@require(STORES_MANAGE)
def store_edit(store_id: int):
    store = store_or_404(store_id)
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
@require(STOCK_VIEW)
def store_detail(store_id: int):
    store = store_or_404(store_id)
    rows = queries.levels([store.id])
    rows.sort(key=lambda lv: (not lv.is_short, lv.product.name))
    return render_template("stock/store_detail.html", store=store, levels=rows)
