"""Reads of suppliers. Suppliers belong to no municipality: every user who may see the
catalogue sees them all."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from vftops.extensions import db
from vftops.suppliers.models import Supplier


def suppliers(*, q: str | None = None, is_active: bool | None = None) -> Select:
    """Suppliers by name; `q` is part of the name (case-insensitive, % and _ literal)."""
    stmt = select(Supplier)
    if q and q.strip():
        stmt = stmt.where(func.lower(Supplier.name).contains(q.strip().lower(), autoescape=True))
    if is_active is not None:
        stmt = stmt.where(Supplier.is_active.is_(is_active))
    return stmt.order_by(Supplier.name, Supplier.id)


def active_suppliers() -> list[Supplier]:
    """The suppliers one may still choose, by name: the choices of a form."""
    return db.session.scalars(suppliers(is_active=True)).all()


def supplier_or_404(supplier_id: int, *, with_contacts: bool = False) -> Supplier:
    options = (selectinload(Supplier.contacts),) if with_contacts else ()
    return db.session.get(Supplier, supplier_id, options=options) or abort(404)
