"""Tenancy: one place decides which municipalities a user may see.

Every query for municipality-owned rows goes through `scoped()`; every single
object is loaded with `get_scoped_or_404()`. Another municipality's object
answers 404, never 403, so its existence is not revealed.

Core knows no domain: a user says which municipalities it is a member of
(`member_of()`), and a model is limited by its `municipality_id` unless it says
otherwise with a `scope_clause(ids)` classmethod and a `served_municipality_ids`
property (a municipality is its own; a shared store serves several).
"""

from __future__ import annotations

from typing import Any

from flask import abort, g
from sqlalchemy import Select, select

from vftops.extensions import db


def municipality_ids(user) -> frozenset[int]:
    """The municipalities this user is a member of (cached for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cache = g.setdefault("_scope_cache", {})
    if user.id not in cache:
        cache[user.id] = user.member_of()
    return cache[user.id]


def forget_scope() -> None:
    """Call after memberships change within a request."""
    g.pop("_scope_cache", None)


def scoped(stmt: Select, model, user) -> Select:
    """Limit a SELECT on `model` to the user's municipalities.

    A model whose rows can serve several municipalities (a shared store) says
    so with a `scope_clause(ids)` classmethod.
    """
    ids = municipality_ids(user)
    if hasattr(model, "scope_clause"):
        return stmt.where(model.scope_clause(ids))
    return stmt.where(model.municipality_id.in_(ids))


def in_scope(obj: Any, user) -> bool:
    if hasattr(obj, "served_municipality_ids"):
        return bool(obj.served_municipality_ids & municipality_ids(user))
    return obj.municipality_id in municipality_ids(user)


def id_or_404(value: Any) -> int:
    """An id from a request as a number the database can hold; anything else finds
    nothing (404), as an id that does not exist would."""
    from vftops.core.inputs import db_int

    try:
        return db_int(value)
    except (TypeError, ValueError):
        abort(404)


def get_scoped_or_404(model, object_id: Any, user, *, options=()):
    stmt = scoped(select(model).where(model.id == id_or_404(object_id)), model, user)
    for opt in options:
        stmt = stmt.options(opt)
    obj = db.session.scalars(stmt).first()
    if obj is None:
        abort(404)
    return obj
