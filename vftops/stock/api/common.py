"""What the stock API shares: its blueprints, the scoped look-ups and offset paging."""

from __future__ import annotations

import base64
import binascii

from flask import abort, current_app
from flask_login import current_user

from vftops.auth.models import User
from vftops.core.api import ApiBlueprint
from vftops.core.pagination import CursorPage
from vftops.core.scope import municipality_ids, optional_scoped_or_404
from vftops.equipment.models import Store

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


def optional_colleague(user_id, store: Store) -> User | None:
    """A person who works in a municipality the store serves and that you work in."""
    user = optional_scoped_or_404(User, user_id, current_user)
    shared = municipality_ids(current_user) & store.served_municipality_ids
    if user is not None and not user.member_of() & shared:
        abort(404)
    return user


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
