"""Keyset pagination for the API (`?limit=&cursor=`), stable under inserts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app
from sqlalchemy import Select

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
