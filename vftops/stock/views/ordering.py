"""What the order, transfer and count pages share: status labels, the store list, paging and
showing a refusal beside the line it names."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, render_template, request
from flask_login import current_user

from vftops.core.errors import DomainError
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


def show_refusal(
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


def as_int(value) -> int | None:
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return None
