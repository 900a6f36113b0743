"""Names of the register's codes in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from vftops.equipment.models import Category, MovementKind, Ownership, ReturnReason

CATEGORY_LABELS = {
    Category.SAFETY_ALARM: _l("Safety alarm"),
    Category.MOBILE_ALARM: _l("Mobile safety alarm / GPS"),
    Category.MEDICINE_DISPENSER: _l("Medicine dispenser"),
    Category.DIGITAL_SUPERVISION: _l("Digital supervision"),
    Category.DOOR_SENSOR: _l("Door sensor"),
    Category.BED_SENSOR: _l("Bed sensor"),
    Category.FALL_SENSOR: _l("Fall sensor"),
    Category.SMOKE_DETECTOR: _l("Smoke detector"),
    Category.ELECTRONIC_LOCK: _l("Electronic lock"),
    Category.HUB: _l("Hub (central unit)"),
    Category.PHONE_TABLET: _l("Smartphone / tablet"),
    Category.OTHER: _l("Other"),
}

OWNERSHIP_LABELS = {Ownership.OWNED: _l("Owned"), Ownership.LEASED: _l("Leased")}

RETURN_REASON_LABELS = {
    ReturnReason.SERVICE_ENDED: _l("Service ended"),
    ReturnReason.REPLACED: _l("Replaced"),
    ReturnReason.FAULTY: _l("Faulty"),
    ReturnReason.MOVED: _l("Recipient moved"),
    ReturnReason.DECEASED: _l("Recipient deceased"),
}

DESTINATION_LABELS = {
    "store": _l("Back to a store"),
    "repair": _l("Repair at the supplier"),
    "scrap": _l("Scrap"),
    "lost": _l("Lost"),
}

MOVEMENT_LABELS = {
    MovementKind.RECEIVE: _l("Received"),
    MovementKind.INSTALL: _l("Installed"),
    MovementKind.RETURN: _l("Taken back"),
    MovementKind.RESET: _l("Reset and cleaned"),
    MovementKind.REPAIR: _l("Sent to repair"),
    MovementKind.REPAIRED: _l("Back from repair"),
    MovementKind.SCRAP: _l("Scrapped"),
    MovementKind.LOST: _l("Lost"),
    MovementKind.FOUND: _l("Found"),
    MovementKind.CORRECTION: _l("Corrected"),
}
