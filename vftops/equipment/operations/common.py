"""What every equipment operation shares: field lists, the open placement and the
anonymisation signal."""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import select

from vftops.equipment.models import (
    Device,
    Placement,
)
from vftops.extensions import db

PRODUCT_FIELDS = (
    "category",
    "manufacturer",
    "model",
    "is_serialised",
    "standard_configuration",
    "lifetime_months",
    "stores_personal_data",
    "return_checklist",
    "supplier_id",
    "monthly_rent",
    "test_interval_months",
    "is_active",
)
DEVICE_FIELDS = (
    "serial_number",
    "status",
    "store_id",
    "imei",
    "iccid",
    "phone_number",
    "mac_address",
    "firmware_version",
    "ownership",
    "acquired_on",
    "cost",
    "warranty_until",
)
RECIPIENT_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "access_note",
    "journal_ref",
    "decision_ref",
    "next_evaluation_on",
    "is_critical",
    "unit_id",
    "service_ended_on",
)
# Who the recipient is and how to reach them: the audit log records that these
# changed, never their values, and anonymising clears them.
PERSONAL_RECIPIENT_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "access_note",
    "journal_ref",
    "decision_ref",
    "relatives",
)

_signals = Namespace()
# Sent while a recipient is anonymised, in the same savepoint, with `scrub`: a
# function that takes their name and numbers out of a text. Modules that keep free
# text about recipients (support's tickets) connect to it.
recipient_anonymised = _signals.signal("recipient-anonymised")


def open_placement(device: Device) -> Placement | None:
    return db.session.scalars(
        select(Placement).where(Placement.device_id == device.id, Placement.returned_at.is_(None))
    ).first()
