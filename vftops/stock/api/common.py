"""What the stock API shares: its blueprints, the scoped look-ups and offset paging."""

from __future__ import annotations

import base64
import binascii

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select

from vftops.auth.models import User
from vftops.core.api import ApiBlueprint
from vftops.core.errors import DomainError
from vftops.core.pagination import CursorPage
from vftops.core.scope import get_scoped_or_404, municipality_ids
from vftops.equipment.models import Product, Recipient, Store
from vftops.extensions import db
from vftops.org.models import Membership
from vftops.stock.queries import (
    store_or_404,
)

stores_blp = ApiBlueprint(
    "stores",
    __name__,
    url_prefix="/api/v1/stores",
    description="Stock locations: your municipalities' own and those shared with them",
)
stock_blp = ApiBlueprint(
    "stock_levels",
    __name__,
    url_prefix="/api/v1/stock",
    description="Stock levels per store and product, with minimums and shortfalls",
)
minimums_blp = ApiBlueprint(
    "stock_minimums",
    __name__,
    url_prefix="/api/v1/stock-minimums",
    description="Minimum stock per store and product, and suggested minimums",
)
stock_movements_blp = ApiBlueprint(
    "stock_movements",
    __name__,
    url_prefix="/api/v1/stock-movements",
    description="The append-only ledger of consumables: receive, issue, adjust",
)
transfers_blp = ApiBlueprint(
    "transfers",
    __name__,
    url_prefix="/api/v1/transfers",
    description="Devices and consumables sent from one store to another",
)
orders_blp = ApiBlueprint(
    "purchase_orders",
    __name__,
    url_prefix="/api/v1/purchase-orders",
    description="Call-offs to suppliers: draft, send, receive in parts, cancel",
)
blueprints = (
    stores_blp,
    stock_blp,
    minimums_blp,
    stock_movements_blp,
    transfers_blp,
    orders_blp,
)


def scoped_store(store_id, *, options=()) -> Store:
    """A store you may use, named in the path or the body; otherwise 404."""
    return store_or_404(store_id, current_user, options=options)


def product_or_404(product_id) -> Product:
    """A catalogue row (products belong to no municipality)."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    return product


def optional_recipient(recipient_id) -> Recipient | None:
    if recipient_id is None:
        return None
    return get_scoped_or_404(Recipient, recipient_id, current_user)


def optional_colleague(user_id, store: Store) -> User | None:
    """A person who works in a municipality the store serves and that you work in."""
    if user_id is None:
        return None
    shared = municipality_ids(current_user) & store.served_municipality_ids
    user = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.municipality_id.in_(shared))
    ).first()
    if user is None:
        abort(404)
    return user


def fields_renamed(error: DomainError, names: dict[str, str]) -> None:
    """The operations name fields as the page forms do; clients see their own names."""
    error.fields = {names.get(key, key): value for key, value in error.fields.items()}


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        kind, _, value = text.partition(":")
        offset = int(value)
        if kind != "offset" or offset < 0:
            raise ValueError(kind)
        return offset
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(400, description="cursor")


def offset_page(rows: list, limit: int | None, cursor: str | None) -> CursorPage:
    """Page an aggregate computed as a whole: the cursor carries the offset."""
    config = current_app.config
    limit = min(max(limit or config["PAGE_SIZE"], 1), config["API_MAX_LIMIT"])
    start = _decode_offset(cursor) if cursor else 0
    end = start + limit
    return CursorPage(
        items=rows[start:end],
        next_cursor=_encode_offset(end) if end < len(rows) else None,
        limit=limit,
    )
