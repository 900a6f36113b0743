"""What every stock operation shares: whole numbers typed by people and the active-store check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vftops.core.errors import ConflictError, ValidationError
from vftops.core.i18n import format_number
from vftops.equipment.models import DeviceStatus, Store
from vftops.extensions import db

STORE_FIELDS = ("name", "kind", "responsible_id", "address", "note", "is_active")
# Where a device physically sits on a store's shelf.
ON_SHELF = (DeviceStatus.IN_STOCK.value, DeviceStatus.AWAITING_RESET.value)


# No store counts more of one thing than this; the database column holds 32 bits.
MAX_COUNT = 1_000_000


def whole_number(value, field: str, *, minimum: int = 0, required: bool = True) -> int | None:
    """A count typed by a person: a whole number from `minimum` to MAX_COUNT, or a named error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if not required:
            return None
        message = _l("Enter a whole number.")
        raise ValidationError(message, fields={field: [message]})
    if isinstance(value, bool):
        value = None
    try:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except (TypeError, ValueError):
        message = _l("Enter a whole number.")
        raise ValidationError(message, fields={field: [message]}) from None
    if number < minimum:
        message = (
            _l("Enter a whole number of 0 or more.")
            if minimum == 0
            else _l("Enter a whole number of at least %(n)d.", n=minimum)
        )
        raise ValidationError(message, fields={field: [message]})
    if number > MAX_COUNT:
        message = _l("Enter a whole number of at most %(n)s.", n=format_number(MAX_COUNT))
        raise ValidationError(message, fields={field: [message]})
    return number


def require_active(store: Store, field: str = "store_id") -> None:
    """Refuse an archived store. Read under a share lock on the store's row, held to the end
    of the transaction: archiving locks the row before it checks that the store is empty, so
    no stock can arrive between that check and the archiving (SQLite: one writer anyway)."""
    in_use = db.session.scalar(
        select(Store.is_active).where(Store.id == store.id).with_for_update(read=True)
    )
    if not in_use:
        message = _l("%(store)s is archived and takes no stock.", store=store.name)
        raise ConflictError(message, fields={field: [message]})
