"""The only code that changes stores."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.stock.models import Store, StoreKind

STORE_FIELDS = ("name", "kind", "responsible_id", "is_active")


@operation
def create_store(
    actor,
    municipality: Municipality,
    *,
    name: str,
    kind: str = StoreKind.CENTRAL,
    responsible_id: int | None = None,
) -> Store:
    name = (name or "").strip()
    if not name:
        message = _l("Enter the store's name.")
        raise ValidationError(message, fields={"name": [message]})
    if kind not in {k.value for k in StoreKind}:
        message = _l("Choose a kind of store.")
        raise ValidationError(message, fields={"kind": [message]})
    exists = db.session.scalar(
        select(Store.id).where(
            Store.municipality_id == municipality.id, func.lower(Store.name) == name.lower()
        )
    )
    if exists is not None:
        message = _l(
            "%(name)s already has a store called %(store)s.", name=municipality.name, store=name
        )
        raise ConflictError(message, fields={"name": [message]})
    store = Store(
        municipality_id=municipality.id, name=name, kind=kind, responsible_id=responsible_id
    )
    db.session.add(store)
    audit.record(
        actor,
        "store.create",
        store,
        f"Lager {name} opprettet i {municipality.name}",
        changes=audit.diff({}, audit.snapshot(store, STORE_FIELDS)),
        municipality_id=municipality.id,
    )
    return store
