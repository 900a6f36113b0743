"""The only code that changes suppliers and their contacts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.validation import digits
from vftops.extensions import db
from vftops.suppliers.models import ContactRole, Supplier, SupplierContact

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
    "street_address",
    "postcode",
    "city",
)
CONTACT_FIELDS = ("name", "role", "email", "phone", "note")
# In the audit log the role is «contact_role»: other modules' «role» reads otherwise.
CONTACT_AUDIT = {
    "name": "name",
    "role": "contact_role",
    "email": "email",
    "phone": "phone",
    "note": "note",
}
ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
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


def org_number_is_valid(number: str) -> bool:
    """Nine digits whose last is the modulus-11 check digit of the first eight, as the
    Brønnøysund Register Centre gives them."""
    if not (digits(number) and len(number) == 9):
        return False
    remainder = sum(int(d) * w for d, w in zip(number, ORG_NUMBER_WEIGHTS, strict=False)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(number[8])


def _org_number(value, current: str | None = None) -> str | None:
    number = "".join(str(value or "").split()) or None
    if number is None or number == current:
        return number  # a number registered before the check was made is kept as it was
    if not (digits(number) and len(number) == 9):
        message = _l("An organisation number has nine digits.")
        raise ValidationError(message, fields={"org_number": [message]})
    if not org_number_is_valid(number):
        message = _l(
            "%(number)s is not an organisation number: its check digit is wrong.", number=number
        )
        raise ValidationError(message, fields={"org_number": [message]})
    return number


def _postcode(value) -> str | None:
    code = (value or "").strip() or None
    if code is not None and not (digits(code) and len(code) == 4):
        message = _l("A postcode has four digits.")
        raise ValidationError(message, fields={"postcode": [message]})
    return code


def _clean(name: str, org_number: str | None, exclude_id: int | None = None, current=None):
    name = (name or "").strip()
    if not name:
        message = _l("Enter the supplier's name.")
        raise ValidationError(message, fields={"name": [message]})
    org_number = _org_number(org_number, current)
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
    street_address: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
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
        street_address=(street_address or "").strip() or None,
        postcode=_postcode(postcode),
        city=(city or "").strip() or None,
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
        current=supplier.org_number,
    )
    supplier.name, supplier.org_number = name, org_number
    if "lead_time_days" in fields:
        supplier.lead_time_days = _lead_time(fields["lead_time_days"])
    for key in (
        "support_phone",
        "support_email",
        "notes",
        "support_hours",
        "out_of_hours_note",
        "street_address",
        "city",
    ):
        if key in fields:
            setattr(supplier, key, (fields[key] or "").strip() or None)
    if "postcode" in fields:
        supplier.postcode = _postcode(fields["postcode"])
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


def _contact_values(name, role, email, phone, note) -> dict:
    name = (name or "").strip()
    if not name:
        message = _l("Enter the contact's name.")
        raise ValidationError(message, fields={"name": [message]})
    if role not in set(ContactRole):
        message = _l("Choose what the contact is for.")
        raise ValidationError(message, fields={"role": [message]})
    email = (email or "").strip() or None
    if email is not None:
        local, _, domain = email.rpartition("@")
        if not local or "." not in domain or any(c.isspace() or c in ",;<>" for c in email):
            message = _l("Enter one e-mail address like ordre@leverandor.no.")
            raise ValidationError(message, fields={"email": [message]})
    phone = (phone or "").strip() or None
    if not email and not phone:
        message = _l("Give an e-mail address or a phone number (or both).")
        raise ValidationError(message, fields={"email": [message], "phone": [message]})
    return {
        "name": name,
        "role": role,
        "email": email,
        "phone": phone,
        "note": (note or "").strip() or None,
    }


def _contact_snapshot(contact: SupplierContact) -> dict:
    return {label: getattr(contact, key) for key, label in CONTACT_AUDIT.items()}


@operation
def add_contact(
    actor,
    supplier: Supplier,
    *,
    name: str,
    role: str = ContactRole.OTHER,
    email: str | None = None,
    phone: str | None = None,
    note: str | None = None,
) -> SupplierContact:
    contact = SupplierContact(supplier=supplier, **_contact_values(name, role, email, phone, note))
    db.session.add(contact)
    audit.record(
        actor,
        "supplier.contact_add",
        supplier,
        f"Kontaktperson {contact.name} lagt til hos {supplier.name}",
        changes=audit.diff({}, _contact_snapshot(contact)),
    )
    return contact


@operation
def update_contact(
    actor, contact: SupplierContact, *, expected_version=None, **fields
) -> SupplierContact:
    check_version(contact, expected_version)
    before = _contact_snapshot(contact)
    values = _contact_values(*(fields.get(key, getattr(contact, key)) for key in CONTACT_FIELDS))
    for key, value in values.items():
        setattr(contact, key, value)
    changes = audit.diff(before, _contact_snapshot(contact))
    if changes:
        audit.record(
            actor,
            "supplier.contact_update",
            contact.supplier,
            f"Kontaktperson {contact.name} hos {contact.supplier.name} endret",
            changes=changes,
        )
    return contact


@operation
def remove_contact(actor, contact: SupplierContact, *, expected_version=None) -> None:
    check_version(contact, expected_version)
    supplier = contact.supplier
    audit.record(
        actor,
        "supplier.contact_remove",
        supplier,
        f"Kontaktperson {contact.name} fjernet hos {supplier.name}",
        changes=audit.diff(_contact_snapshot(contact), {}),
    )
    db.session.delete(contact)
