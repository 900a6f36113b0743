"""What the equipment pages share: the blueprint, the labels every template gets and the
choice lists of stores and products."""

from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user

from vftops.core.forms import choices
from vftops.core.inputs import fits
from vftops.core.picker import PRELOAD, narrowing, picker
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
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    rows = queries.product_options(serialised_only=serialised_only)
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
    rows = queries.product_options(matching=wanted or None, limit=PRELOAD + 1)
    more = len(rows) > PRELOAD or bool(wanted)
    rows = rows[:PRELOAD]
    # A number beyond what the database holds is the form's error, not a query.
    chosen = field.data if isinstance(field.data, int) and fits(field.data) else None
    if chosen is not None and chosen not in {row[0] for row in rows}:
        rows = [*queries.product_options(ids=[chosen], active_only=False), *rows]
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    field.choices = choices(
        [("", blank)]
        + [
            (pid, f"{manufacturer} {model} – {labels.get(category, category)}")
            for pid, manufacturer, model, category in rows
        ]
    )
    picker(field, url_for("equipment.product_lookup"), more=more)
