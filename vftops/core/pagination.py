"""Keyset pagination for the API (`?limit=&cursor=`), stable under inserts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app
from sqlalchemy import Select, func, literal_column, select

from vftops.extensions import db


@dataclass
class CursorPage:
    items: list[Any]
    next_cursor: str | None
    limit: int


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        kind, _, value = text.partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(400, description="cursor")


def cursor_page(
    stmt: Select, id_column, *, limit: int | None, cursor: str | None, descending: bool = False
) -> CursorPage:
    max_limit = current_app.config["API_MAX_LIMIT"]
    limit = min(max(limit or current_app.config["PAGE_SIZE"], 1), max_limit)
    if cursor:
        last = decode_cursor(cursor)
        stmt = stmt.where(id_column < last if descending else id_column > last)
    stmt = stmt.order_by(id_column.desc() if descending else id_column.asc()).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return CursorPage(items=rows, next_cursor=next_cursor, limit=limit)


@dataclass
class CappedPage:
    """A numbered page of a list whose total is counted only up to a cap.

    Counting 200,000 matching rows exactly costs more than the page itself, and
    nobody reads «page 4 of 3,600»: above the cap the page says «more than …».
    """

    items: list[Any]
    page: int
    per_page: int
    total: int  # exact when not `capped`; else the cap
    capped: bool
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def pages(self) -> int | None:
        """The number of pages, when the total is known."""
        if self.capped:
            return None
        return max(1, -(-self.total // self.per_page))


def capped_page(stmt: Select, *, page: int, per_page: int, cap: int | None = None) -> CappedPage:
    """Items of `page` (1-based) of the ordered `stmt`, and the total counted up to `cap`
    (default: the `LIST_COUNT_CAP` setting)."""
    cap = cap or current_app.config["LIST_COUNT_CAP"]
    page = max(page, 1)
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)).unique())
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if page == 1 and not has_next:
        total, capped = len(rows), False
    else:
        # One narrow column: PostgreSQL can count from the index alone.
        limited = (
            stmt.with_only_columns(literal_column("1"), maintain_column_froms=True)
            .order_by(None)
            .limit(cap + 1)
            .subquery()
        )
        counted = db.session.scalar(select(func.count()).select_from(limited))
        total, capped = min(counted, cap), counted > cap
    return CappedPage(rows, page, per_page, total, capped, has_next)
