"""The product catalogue."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError
from vftops.core.validation import invalid, text_or_none
from vftops.equipment.models import (
    Category,
    Product,
)
from vftops.extensions import db
from vftops.suppliers.models import Supplier

from .common import PRODUCT_FIELDS

# --- catalogue ----------------------------------------------------------------------

MAX_RENT = Decimal("99999999.99")
# A periodic function test at least every ten years.
MAX_TEST_INTERVAL_MONTHS = 120


def _kroner(value) -> Decimal | None:
    """A typed sum in kroner («149,50», «1 249.00», 149.5): two decimals at most, ≥ 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
        if not amount.is_finite() or amount < 0 or amount > MAX_RENT:
            raise ValueError(value)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(value)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    return amount.quantize(Decimal("0.01"))


def _clean_product(data: dict[str, Any], exclude_id: int | None = None) -> dict[str, Any]:
    fields: dict[str, list] = {}
    out = dict(data)
    out["manufacturer"] = (data.get("manufacturer") or "").strip()
    out["model"] = (data.get("model") or "").strip()
    if not out["manufacturer"]:
        fields["manufacturer"] = [_l("Enter the manufacturer.")]
    if not out["model"]:
        fields["model"] = [_l("Enter the model.")]
    if data.get("category") not in {c.value for c in Category}:
        fields["category"] = [_l("Choose a category.")]
    lifetime = data.get("lifetime_months")
    if lifetime in ("", None):
        out["lifetime_months"] = None
    else:
        try:
            out["lifetime_months"] = int(lifetime)
            if out["lifetime_months"] <= 0:
                raise ValueError(lifetime)
        except (TypeError, ValueError):
            fields["lifetime_months"] = [_l("Give the lifetime as a whole number of months.")]
    interval = data.get("test_interval_months")
    if interval is None or (isinstance(interval, str) and not interval.strip()):
        out["test_interval_months"] = None
    else:
        try:
            if isinstance(interval, bool) or (
                isinstance(interval, float) and not interval.is_integer()
            ):
                raise ValueError(interval)
            out["test_interval_months"] = (
                int(interval) if isinstance(interval, int | float) else int(str(interval).strip())
            )
            if not 0 < out["test_interval_months"] <= MAX_TEST_INTERVAL_MONTHS:
                raise ValueError(interval)
        except (TypeError, ValueError):
            fields["test_interval_months"] = [
                _l("Give the test interval as a whole number of months from 1 to 120.")
            ]
    try:
        out["monthly_rent"] = _kroner(data.get("monthly_rent"))
    except ValueError:
        fields["monthly_rent"] = [_l("Give the monthly rent in kroner, 0 or more, e.g. 149.00.")]
    items = data.get("return_checklist") or []
    if isinstance(items, str):
        items = items.splitlines()
    out["return_checklist"] = [i.strip() for i in items if i and i.strip()]
    out["standard_configuration"] = text_or_none(data.get("standard_configuration"))
    supplier_id = data.get("supplier_id") or None
    if supplier_id is not None and db.session.get(Supplier, int(supplier_id)) is None:
        fields["supplier_id"] = [_l("Choose a registered supplier.")]
    out["supplier_id"] = int(supplier_id) if supplier_id is not None else None
    if fields:
        raise invalid(fields)
    duplicate = select(Product.id).where(
        func.lower(Product.manufacturer) == out["manufacturer"].lower(),
        func.lower(Product.model) == out["model"].lower(),
    )
    if exclude_id is not None:
        duplicate = duplicate.where(Product.id != exclude_id)
    if db.session.scalar(duplicate) is not None:
        message = _l(
            "%(name)s is already in the catalogue.",
            name=f"{out['manufacturer']} {out['model']}",
        )
        raise ConflictError(message, fields={"model": [message]})
    return out


@operation
def create_product(actor, **data) -> Product:
    clean = _clean_product(data)
    product = Product(
        category=clean["category"],
        manufacturer=clean["manufacturer"],
        model=clean["model"],
        is_serialised=bool(clean.get("is_serialised", True)),
        standard_configuration=clean["standard_configuration"],
        lifetime_months=clean["lifetime_months"],
        stores_personal_data=bool(clean.get("stores_personal_data", False)),
        return_checklist=clean["return_checklist"],
        supplier_id=clean.get("supplier_id") or None,
        monthly_rent=clean["monthly_rent"],
        test_interval_months=clean.get("test_interval_months"),
    )
    db.session.add(product)
    audit.record(
        actor,
        "product.create",
        product,
        f"Produkt {product.name} lagt i katalogen",
        changes=audit.diff({}, audit.snapshot(product, PRODUCT_FIELDS)),
    )
    return product


@operation
def update_product(actor, product: Product, *, expected_version=None, **data) -> Product:
    check_version(product, expected_version)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    merged = {f: getattr(product, f) for f in PRODUCT_FIELDS} | data
    clean = _clean_product(merged, exclude_id=product.id)
    for field in PRODUCT_FIELDS:
        value = clean.get(field)
        if field in ("is_serialised", "stores_personal_data", "is_active"):
            value = bool(value)
        if field == "supplier_id":
            value = value or None
        setattr(product, field, value)
    changes = audit.diff(before, audit.snapshot(product, PRODUCT_FIELDS))
    if changes:
        audit.record(
            actor, "product.update", product, f"Produkt {product.name} endret", changes=changes
        )
    return product
