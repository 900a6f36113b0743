"""Stores: creating, changing, sharing and archiving them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import utcnow
from vftops.core.scope import municipality_ids
from vftops.core.validation import text_or_none
from vftops.equipment.models import Device, DeviceStatus, Store, StoreKind
from vftops.extensions import db
from vftops.org.models import Membership, Municipality
from vftops.stock.models import (
    OrderStatus,
    PurchaseOrder,
    StockBalance,
    Transfer,
    TransferStatus,
)

from .common import STORE_FIELDS

# --- stores -------------------------------------------------------------------------


def _check_responsible(responsible_id, served: set[int]) -> int | None:
    if responsible_id in (None, ""):
        return None
    try:
        responsible_id = int(responsible_id)
    except (TypeError, ValueError):
        responsible_id = -1
    member = db.session.scalar(
        select(Membership.user_id).where(
            Membership.user_id == responsible_id, Membership.municipality_id.in_(served)
        )
    )
    if member is None:
        message = _l("The responsible person must work in a municipality the store serves.")
        raise ValidationError(message, fields={"responsible_id": [message]})
    return responsible_id


def _shared_municipalities(actor, owner_id: int, ids, kept=frozenset()) -> list[Municipality]:
    """`kept`: shares the store has already; an editor may keep those they do not work in."""
    wanted = {int(i) for i in ids or ()} - {owner_id}
    if not wanted:
        return []
    allowed = municipality_ids(actor) if actor is not None else None
    found = db.session.scalars(select(Municipality).where(Municipality.id.in_(wanted))).all()
    if len(found) != len(wanted) or (allowed is not None and not wanted - set(kept) <= allowed):
        message = _l("A store can only be shared with municipalities you work in.")
        raise ValidationError(message, fields={"shared_with_ids": [message]})
    return sorted(found, key=lambda m: m.name)


def _store_state(store: Store) -> dict[str, Any]:
    state = audit.snapshot(store, STORE_FIELDS)
    state["shared_with"] = sorted(m.number for m in store.shared_with)
    return state


def _clean_store_name(name, municipality: Municipality, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        message = _l("Enter the store's name.")
        raise ValidationError(message, fields={"name": [message]})
    if len(name) > 120:
        message = _l("A name has at most %(n)d characters.", n=120)
        raise ValidationError(message, fields={"name": [message]})
    stmt = select(Store.id).where(
        Store.municipality_id == municipality.id, func.lower(Store.name) == name.lower()
    )
    if exclude_id is not None:
        stmt = stmt.where(Store.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _l(
            "%(name)s already has a store called %(store)s.", name=municipality.name, store=name
        )
        raise ConflictError(message, fields={"name": [message]})
    return name


def _check_kind(kind) -> str:
    if kind not in {k.value for k in StoreKind}:
        message = _l("Choose a kind of store.")
        raise ValidationError(message, fields={"kind": [message]})
    return kind


@operation
def create_store(
    actor,
    municipality: Municipality,
    *,
    name: str,
    kind: str = StoreKind.CENTRAL,
    responsible_id: int | None = None,
    address: str | None = None,
    note: str | None = None,
    shared_with_ids=(),
) -> Store:
    name = _clean_store_name(name, municipality)
    kind = _check_kind(kind)
    shared = _shared_municipalities(actor, municipality.id, shared_with_ids)
    served = {municipality.id} | {m.id for m in shared}
    store = Store(
        municipality_id=municipality.id,
        name=name,
        kind=kind,
        responsible_id=_check_responsible(responsible_id, served),
        address=text_or_none(address),
        note=text_or_none(note),
    )
    store.shared_with = shared
    db.session.add(store)
    audit.record(
        actor,
        "store.create",
        store,
        f"Lager {name} opprettet i {municipality.name}",
        changes=audit.diff({}, _store_state(store)),
        municipality_id=municipality.id,
    )
    return store


def _store_holdings(store: Store, municipality_ids_: set[int] | None = None) -> int:
    stmt = select(func.count(Device.id)).where(
        Device.store_id == store.id,
        Device.status.in_(
            [DeviceStatus.IN_STOCK, DeviceStatus.AWAITING_RESET, DeviceStatus.IN_REPAIR]
        ),
    )
    if municipality_ids_ is not None:
        stmt = stmt.where(Device.municipality_id.in_(municipality_ids_))
    return db.session.scalar(stmt) or 0


@operation
def update_store(actor, store: Store, *, expected_version: int | None = None, **data) -> Store:
    """Rename, re-kind, hand over, share or archive a store."""
    check_version(store, expected_version)
    before = _store_state(store)
    if "name" in data:
        store.name = _clean_store_name(data["name"], store.municipality, exclude_id=store.id)
    if "kind" in data:
        store.kind = _check_kind(data["kind"])
    for key in ("address", "note"):
        if key in data:
            setattr(store, key, text_or_none(data[key]))
    if "shared_with_ids" in data:
        shared = _shared_municipalities(
            actor,
            store.municipality_id,
            data["shared_with_ids"],
            kept={m.id for m in store.shared_with},
        )
        dropped = {m.id for m in store.shared_with} - {m.id for m in shared}
        if dropped and _store_holdings(store, dropped):
            message = _l(
                "Devices of a municipality you are removing are still in this store. "
                "Move them first."
            )
            raise ConflictError(message, fields={"shared_with_ids": [message]})
        store.shared_with = shared
    if "responsible_id" in data or "shared_with_ids" in data:
        store.responsible_id = _check_responsible(
            data.get("responsible_id", store.responsible_id), store.served_municipality_ids
        )
    if "is_active" in data and not data["is_active"] and store.is_active:
        _check_can_archive(store)
        store.is_active = False
    elif data.get("is_active"):
        store.is_active = True
    changes = audit.diff(before, _store_state(store))
    if changes:
        store.updated_at = utcnow()  # a change of shares alone must bump the version too
        action = "store.archive" if changes.get("is_active", {}).get("after") is False else None
        audit.record(
            actor,
            action or "store.update",
            store,
            f"Lager {store.name} {'arkivert' if action else 'endret'}",
            changes=changes,
            municipality_id=store.municipality_id,
        )
    return store


def _check_can_archive(store: Store) -> None:
    # Lock the row first: whatever sends stock here waits (see require_active), then
    # finds the store archived; or it came first, and is counted below.
    db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())
    devices = _store_holdings(store)
    quantity = db.session.scalar(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.store_id == store.id
        )
    )
    transfers = db.session.scalar(
        select(func.count(Transfer.id)).where(
            (Transfer.from_store_id == store.id) | (Transfer.to_store_id == store.id),
            Transfer.status == TransferStatus.SENT,
        )
    )
    orders = db.session.scalar(
        select(func.count(PurchaseOrder.id)).where(
            PurchaseOrder.store_id == store.id,
            PurchaseOrder.status.in_(
                [OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED]
            ),
        )
    )
    if devices or quantity or transfers or orders:
        message = _l(
            "%(store)s still holds %(devices)d devices and %(quantity)d consumables, with "
            "%(transfers)d transfers and %(orders)d orders under way. Empty it first.",
            store=store.name,
            devices=devices,
            quantity=quantity,
            transfers=transfers,
            orders=orders,
        )
        raise ConflictError(
            message,
            fields={"is_active": [message]},
            details={
                "devices": devices,
                "consumables": quantity,
                "transfers": transfers,
                "orders": orders,
            },
        )
