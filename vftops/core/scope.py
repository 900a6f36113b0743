"""Tenancy: one place decides which municipalities a user may see.

Every query for municipality-owned rows goes through `scoped()`; every single
object is loaded with `get_scoped_or_404()`. Another municipality's object
answers 404, never 403, so its existence is not revealed.

Core knows no domain: a user says which municipalities it is a member of
(`member_of()`), and a model is limited in one of three ways:

- by its `municipality_id` (a recipient, a device, a ticket);
- by a `scope_clause(ids)` classmethod and a `served_municipality_ids` property
  when it belongs to municipalities in another way (a municipality is its own; a
  shared store serves several; a person is in the municipalities they are a
  member of);
- not at all when it says `shared_by_all = True`: the catalogue (products,
  suppliers) belongs to no municipality, so every reader may name any row of it
  and the loader only checks that it exists.

A model with none of these cannot be scoped, and asking is an error.
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
    if is_shared_by_all(model):
        return stmt
    ids = municipality_ids(user)
    if hasattr(model, "scope_clause"):
        return stmt.where(model.scope_clause(ids))
    return stmt.where(model.municipality_id.in_(ids))


def is_shared_by_all(model) -> bool:
    """Does the model belong to no municipality (the catalogue every reader shares)?"""
    return getattr(model, "shared_by_all", False) is True


def in_scope(obj: Any, user) -> bool:
    if is_shared_by_all(type(obj)):
        return True
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
    """The one object `object_id` names, if the user may see it; otherwise 404.

    This is how every id that arrives in a path, a form or a JSON body is loaded:
    an id of another municipality's object answers as one that does not exist."""
    obj = scoped_or_none(model, object_id, user, options=options)
    if obj is None:
        abort(404)
    return obj


def scoped_or_none(model, object_id: Any, user, *, options=()):
    """`get_scoped_or_404` for a form that answers with its own field error: the object,
    or None when the id names nothing the user may see (or is no id at all)."""
    from vftops.core.inputs import db_int

    try:
        wanted = db_int(object_id)
    except (TypeError, ValueError):
        return None
    stmt = scoped(select(model).where(model.id == wanted), model, user)
    for opt in options:
        stmt = stmt.options(opt)
    return db.session.scalars(stmt).first()


def optional_scoped_or_404(model, object_id: Any, user, *, options=()):
    """`get_scoped_or_404` for an id a request may leave out: none named, None."""
    if object_id is None or object_id == "":
        return None
    return get_scoped_or_404(model, object_id, user, options=options)
