"""The return checklist: what must be done before a device can go back on the shelf."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STANDARD_ITEMS = ("retrieved", "reset", "cleaned", "inspected")


def checklist_items(product) -> list[tuple[str, object]]:
    """(key, label) for every item of this product's return checklist."""
    reset_label = (
        _l("Personal data wiped and device reset")
        if product.stores_personal_data
        else _l("Device reset to factory settings")
    )
    items = [
        ("retrieved", _l("Retrieved with charger and accessories")),
        ("reset", reset_label),
        ("cleaned", _l("Cleaned and disinfected")),
        ("inspected", _l("Inspected: no damage, battery holds")),
    ]
    items += [(f"extra{i}", text) for i, text in enumerate(product.return_checklist or [], 1)]
    return items


def clean_checklist(product, ticked) -> dict[str, bool]:
    """Every item of the product's checklist, True where it was ticked."""
    ticked = set(ticked or ())
    return {key: key in ticked for key, _label in checklist_items(product)}


def is_complete(checklist: dict[str, bool]) -> bool:
    return bool(checklist) and all(checklist.values())
