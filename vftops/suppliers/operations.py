"""The only code that changes suppliers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.validation import digits
from vftops.extensions import db
from vftops.suppliers.models import Supplier

SUPPLIER_FIELDS = (
    "name",
    "org_number",
    "support_phone",
    "support_email",
    "order_email",
    "support_hours",
    "out_of_hours_note",
    "lead_time_days",
    "notes",
    "is_active",
)
MAX_LEAD_TIME_DAYS = 3650


def _lead_time(value) -> int | None:
    """Days from order to delivery: a whole number above 0, or nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(value)
        days = int(value) if isinstance(value, int | float) else int(str(value).strip())
        if not 0 < days <= MAX_LEAD_TIME_DAYS:
            raise ValueError(value)
    except (TypeError, ValueError):
        message = _l("Give the lead time as a whole number of days, 1 or more.")
        raise ValidationError(message, fields={"lead_time_days": [message]}) from None
    return days


def _order_email(value) -> str | None:
    """Where orders are e-mailed: one address, or nothing (orders are then printed)."""
    address = (value or "").strip()
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or any(c.isspace() or c in ",;<>" for c in address):
        message = _l("Enter one e-mail address like ordre@leverandor.no.")
        raise ValidationError(message, fields={"order_email": [message]})
    return address


def _clean(name: str, org_number: str | None, exclude_id: int | None = None):
    name = (name or "").strip()
    if not name:
        message = _l("Enter the supplier's name.")
        raise ValidationError(message, fields={"name": [message]})
    org_number = (org_number or "").replace(" ", "") or None
    if org_number and not (digits(org_number) and len(org_number) == 9):
        message = _l("An organisation number has nine digits.")
        raise ValidationError(message, fields={"org_number": [message]})
    stmt = select(Supplier.id).where(func.lower(Supplier.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Supplier.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        message = _l("The supplier %(name)s is already registered.", name=name)
        raise ConflictError(message, fields={"name": [message]})
    return name, org_number


@operation
def create_supplier(
    actor,
    *,
    name: str,
    org_number: str | None = None,
    support_phone: str | None = None,
    support_email: str | None = None,
    order_email: str | None = None,
    support_hours: str | None = None,
    out_of_hours_note: str | None = None,
    lead_time_days=None,
    notes: str | None = None,
) -> Supplier:
    name, org_number = _clean(name, org_number)
    lead_time_days = _lead_time(lead_time_days)
    supplier = Supplier(
        name=name,
        org_number=org_number,
        support_phone=(support_phone or "").strip() or None,
        support_email=(support_email or "").strip() or None,
        order_email=_order_email(order_email),
        support_hours=(support_hours or "").strip() or None,
        out_of_hours_note=(out_of_hours_note or "").strip() or None,
        lead_time_days=lead_time_days,
        notes=(notes or "").strip() or None,
    )
    db.session.add(supplier)
    audit.record(
        actor,
        "supplier.create",
        supplier,
        f"Leverandør {name} registrert",
        changes=audit.diff({}, audit.snapshot(supplier, SUPPLIER_FIELDS)),
    )
    return supplier


@operation
def update_supplier(actor, supplier: Supplier, *, expected_version=None, **fields) -> Supplier:
    check_version(supplier, expected_version)
    before = audit.snapshot(supplier, SUPPLIER_FIELDS)
    name, org_number = _clean(
        fields.get("name", supplier.name),
        fields.get("org_number", supplier.org_number),
        exclude_id=supplier.id,
    )
    supplier.name, supplier.org_number = name, org_number
    if "lead_time_days" in fields:
        supplier.lead_time_days = _lead_time(fields["lead_time_days"])
    for key in ("support_phone", "support_email", "notes", "support_hours", "out_of_hours_note"):
        if key in fields:
            setattr(supplier, key, (fields[key] or "").strip() or None)
    if "order_email" in fields:
        supplier.order_email = _order_email(fields["order_email"])
    if "is_active" in fields:
        supplier.is_active = bool(fields["is_active"])
    changes = audit.diff(before, audit.snapshot(supplier, SUPPLIER_FIELDS))
    if changes:
        audit.record(
            actor, "supplier.update", supplier, f"Leverandør {name} endret", changes=changes
        )
    return supplier
