"""What the order, transfer and count pages share: status labels, the store list and
paging."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from vftops.core.inputs import db_int
from vftops.core.models import local_today
from vftops.equipment.models import Store
from vftops.equipment.status import STATUS_LABELS
from vftops.extensions import db
from vftops.stock import queries
from vftops.stock.labels import COUNT_STATUS_LABELS, ORDER_STATUS_LABELS, TRANSFER_STATUS_LABELS

PER_PAGE = 50

ORDER_STATUS_STYLES = {
    "draft": "secondary",
    "sent": "primary",
    "partly_received": "info",
    "received": "success",
    "cancelled": "dark",
}


def render(template: str, status: int = 200, **context):
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


def active_stores(*, active_only: bool = True) -> list[Store]:
    return list(db.session.scalars(queries.stores_for(current_user, active_only=active_only)))


def store_pairs(stores: list[Store]) -> list[tuple[int, str]]:
    """Store choices; the municipality is named only when the stores span several."""
    several = len({s.municipality_id for s in stores}) > 1
    return [(s.id, f"{s.name} ({s.municipality.name})" if several else s.name) for s in stores]


def page_of(stmt):
    return db.paginate(
        stmt, page=request.args.get("page", 1, type=db_int), per_page=PER_PAGE, error_out=False
    )


def as_int(value) -> int | None:
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return None
