"""What the equipment pages share: the blueprint, the labels every template gets and the
choice lists of stores and products."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user
from sqlalchemy import select

from vftops.core.forms import choices
from vftops.core.inputs import fits
from vftops.core.picker import PRELOAD, narrowing, picker
from vftops.core.scope import get_scoped_or_404
from vftops.equipment import queries
from vftops.equipment.forms import (
    VISIT_KIND_LABELS,
)
from vftops.equipment.labels import (
    CATEGORY_LABELS,
    DESTINATION_LABELS,
    MOVEMENT_LABELS,
    OWNERSHIP_LABELS,
    RETURN_REASON_LABELS,
)
from vftops.equipment.models import (
    Product,
    Store,
)
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db

bp = Blueprint("equipment", __name__)


@bp.app_context_processor
def equipment_labels():
    return {
        "category_labels": CATEGORY_LABELS,
        "status_labels": STATUS_LABELS,
        "movement_labels": MOVEMENT_LABELS,
        "reason_labels": RETURN_REASON_LABELS,
        "ownership_labels": OWNERSHIP_LABELS,
        "destination_labels": DESTINATION_LABELS,
        "visit_kind_labels": VISIT_KIND_LABELS,
    }


def store_choices(field, *, blank: str | None = None, municipality_id: int | None = None):
    stores = db.session.scalars(queries.stores_for(current_user)).all()
    if municipality_id is not None:
        # Its own municipality's stores and those shared with it (the operations allow both).
        stores = [s for s in stores if s.serves(municipality_id)]
    pairs = [(s.id, f"{s.name} ({s.municipality.name})") for s in stores]
    field.choices = choices(([("", blank)] if blank else []) + pairs)


def product_choices(field, *, blank: str | None = None, serialised_only: bool = True):
    # A catalogue can hold thousands of products: read only the columns the
    # option needs and translate each category once, not once per option.
    stmt = select(Product.id, Product.manufacturer, Product.model, Product.category).where(
        Product.is_active.is_(True)
    )
    if serialised_only:
        stmt = stmt.where(Product.is_serialised.is_(True))
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    rows = db.session.execute(stmt.order_by(Product.manufacturer, Product.model)).all()
    field.choices = choices(
        ([("", blank)] if blank else [])
        + [
            (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
            for pid, manufacturer, model, category in rows
        ]
    )


def product_filter(field, blank: str) -> None:
    """The device list's product filter: at most PRELOAD products in the page (narrowed by
    `?product_id_q=` without JavaScript), the chosen one among them; the type-ahead asks
    the product lookup for the rest. A catalogue of 2,000 made the list page 156 KB."""
    wanted = narrowing(field.name)
    stmt = select(Product.id, Product.manufacturer, Product.model, Product.category).where(
        Product.is_active.is_(True)
    )
    if wanted:
        stmt = stmt.where(product_matches(wanted))
    rows = db.session.execute(
        stmt.order_by(Product.manufacturer, Product.model).limit(PRELOAD + 1)
    ).all()
    more = len(rows) > PRELOAD or bool(wanted)
    rows = rows[:PRELOAD]
    # A number beyond what the database holds is the form's error, not a query.
    chosen = field.data if isinstance(field.data, int) and fits(field.data) else None
    if chosen is not None and chosen not in {row[0] for row in rows}:
        rows = [
            *db.session.execute(
                select(Product.id, Product.manufacturer, Product.model, Product.category).where(
                    Product.id == chosen
                )
            ).all(),
            *rows,
        ]
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    field.choices = choices(
        [("", blank)]
        + [
            (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
            for pid, manufacturer, model, category in rows
        ]
    )
    picker(field, url_for("equipment.product_lookup"), more=more)


def product_matches(wanted: str):
    """Part of «manufacturer model», case-insensitive."""
    name = db.func.lower(Product.manufacturer + " " + Product.model)
    return name.contains(wanted.lower(), autoescape=True)


def scoped_store(store_id):
    if not store_id:
        return None
    return get_scoped_or_404(Store, store_id, current_user)
