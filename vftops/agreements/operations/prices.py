"""Price lines and service levels on an agreement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from vftops.agreements.models import Agreement, Metric, PriceLine, ServiceLevel
from vftops.agreements.operations.agreements import check_manages
from vftops.agreements.operations.checks import choice, day, ident, kroner, record, refuse, text
from vftops.core import audit
from vftops.core.db import check_version, operation, take_write_lock
from vftops.core.errors import ConflictError
from vftops.equipment.models import Product
from vftops.extensions import db
from vftops.support.sla import Calendar
from vftops.systems.models import ItSystem

PRICE_FIELDS = ("product_id", "service", "unit_price", "monthly_rent", "valid_from", "valid_to")
LEVEL_FIELDS = ("metric", "target", "calendar", "system_id", "penalty")
MAX_PRICE = Decimal("10000000000")  # numeric(12, 2)
MAX_RENT = Decimal("100000000")  # numeric(10, 2)


def _price_values(agreement: Agreement, data: dict[str, Any]) -> dict[str, Any]:
    product_id = ident(data.get("product_id"))
    service = text(data.get("service"), "service", limit=200)
    if (product_id is None) == (service is None):
        raise refuse("product_id", _l("Choose a product, or name the service (one of them)."))
    product = None
    if product_id is not None:
        product = db.session.get(Product, product_id) if product_id > 0 else None
        if product is None:
            raise refuse("product_id", _l("Choose a product from the catalogue."))
    unit_price = kroner(
        data.get("unit_price"),
        "unit_price",
        _l("Give the unit price in kroner, 0 or more, e.g. 2 490.00."),
        limit=MAX_PRICE,
    )
    monthly_rent = kroner(
        data.get("monthly_rent"),
        "monthly_rent",
        _l("Give the monthly rent in kroner, 0 or more, e.g. 149.00."),
        limit=MAX_RENT,
    )
    if unit_price is None and monthly_rent is None:
        raise refuse("unit_price", _l("Give a unit price, a monthly rent, or both."))
    valid_from = day(
        data.get("valid_from") or agreement.starts_on,
        "valid_from",
        required=_l("Give the date the price applies from."),
    )
    valid_to = day(data.get("valid_to"), "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise refuse("valid_to", _l("A price cannot end before it starts."))
    return {
        "product_id": product_id,
        "product": product,
        "service": service,
        "unit_price": unit_price,
        "monthly_rent": monthly_rent,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _overlap(agreement_id: int, values: dict[str, Any], exclude_id: int | None) -> PriceLine | None:
    """The agreement's price line for the same product or service whose dates meet these."""
    stmt = select(PriceLine).where(
        PriceLine.agreement_id == agreement_id,
        or_(PriceLine.valid_to.is_(None), PriceLine.valid_to >= values["valid_from"]),
    )
    if values["valid_to"] is not None:
        stmt = stmt.where(PriceLine.valid_from <= values["valid_to"])
    if values["product_id"] is not None:
        stmt = stmt.where(PriceLine.product_id == values["product_id"])
    else:
        stmt = stmt.where(func.lower(PriceLine.service) == values["service"].lower())
    if exclude_id is not None:
        stmt = stmt.where(PriceLine.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()


def _refuse_overlap(clash: PriceLine, values: dict[str, Any]) -> ConflictError:
    what = str(values["product"]) if values["product"] is not None else values["service"]
    if clash.valid_to is None:
        message = _l(
            "The agreement already has a price for %(what)s from %(start)s: end that line "
            "first, or choose dates after it.",
            what=what,
            start=clash.valid_from.strftime("%d.%m.%Y"),
        )
    else:
        message = _l(
            "The agreement already has a price for %(what)s from %(start)s to %(end)s: "
            "choose dates outside them.",
            what=what,
            start=clash.valid_from.strftime("%d.%m.%Y"),
            end=clash.valid_to.strftime("%d.%m.%Y"),
        )
    return ConflictError(message, fields={"valid_from": [message]})


@operation
def add_price_line(actor, agreement: Agreement, **data) -> PriceLine:
    check_manages(actor, agreement)
    values = _price_values(agreement, data)
    # One writer per agreement: two people adding the same product's price see each other.
    take_write_lock(Agreement, agreement.id)
    clash = _overlap(agreement.id, values, None)
    if clash is not None:
        raise _refuse_overlap(clash, values)
    line = PriceLine(agreement_id=agreement.id, **values)
    db.session.add(line)
    db.session.flush()
    record(
        actor,
        "agreement.price_add",
        agreement,
        f"Pris for {line.what} lagt til avtale {agreement.title}",
        audit.diff({}, audit.snapshot(line, PRICE_FIELDS)),
    )
    return line


@operation
def update_price_line(actor, line: PriceLine, *, expected_version=None, **data) -> PriceLine:
    check_version(line, expected_version)
    agreement = line.agreement
    check_manages(actor, agreement)
    before = audit.snapshot(line, PRICE_FIELDS)
    values = _price_values(agreement, {**before, **data})
    take_write_lock(Agreement, agreement.id)
    clash = _overlap(agreement.id, values, line.id)
    if clash is not None:
        raise _refuse_overlap(clash, values)
    for key, value in values.items():
        setattr(line, key, value)
    changes = audit.diff(before, audit.snapshot(line, PRICE_FIELDS))
    if changes:
        record(
            actor,
            "agreement.price_update",
            agreement,
            f"Pris for {line.what} på avtale {agreement.title} endret",
            changes,
        )
    return line


def price_on(agreement_id: int, product_id: int, on: date) -> PriceLine | None:
    """The agreement's price line for a product on a day."""
    return db.session.scalars(
        select(PriceLine)
        .where(
            PriceLine.agreement_id == agreement_id,
            PriceLine.product_id == product_id,
            PriceLine.valid_from <= on,
            or_(PriceLine.valid_to.is_(None), PriceLine.valid_to >= on),
        )
        .limit(1)
    ).first()


# --- service levels -------------------------------------------------------------------

TARGET_LIMITS = {
    Metric.ANSWER_TIME: (Decimal("0.25"), Decimal("2000")),
    Metric.FIX_TIME: (Decimal("0.25"), Decimal("2000")),
    Metric.DELIVERY_TIME: (Decimal("1"), Decimal("365")),
    Metric.UPTIME: (Decimal("50"), Decimal("100")),
}


def _level_values(actor, agreement: Agreement, data: dict[str, Any]) -> dict[str, Any]:
    metric = choice(data.get("metric"), Metric, "metric", _l("Choose what is measured."))
    low, high = TARGET_LIMITS[Metric(metric)]
    messages = {
        Metric.ANSWER_TIME: _l("Give the time to answer in hours, e.g. 4."),
        Metric.FIX_TIME: _l("Give the time to fix in hours, e.g. 24."),
        Metric.DELIVERY_TIME: _l("Give the delivery time in days, e.g. 10."),
        Metric.UPTIME: _l("Give the uptime in per cent, from 50 to 100, e.g. 99.5."),
    }
    target = kroner(data.get("target"), "target", messages[Metric(metric)])
    if target is None or not low <= target <= high:
        raise refuse("target", messages[Metric(metric)])
    calendar = choice(
        data.get("calendar") or Calendar.ALWAYS,
        Calendar,
        "calendar",
        _l("Choose the calendar the time is counted in."),
    )
    system = None
    system_id = ident(data.get("system_id"))
    if metric == Metric.UPTIME or system_id is not None:
        system = db.session.get(ItSystem, system_id) if system_id and system_id > 0 else None
        if system is None or system not in agreement.systems:
            raise refuse("system_id", _l("Choose one of the agreement's systems."))
    return {
        "metric": metric,
        "target": target,
        "calendar": calendar,
        "system_id": system.id if system is not None else None,
        "penalty": text(data.get("penalty"), "penalty"),
    }


@operation
def add_service_level(actor, agreement: Agreement, **data) -> ServiceLevel:
    check_manages(actor, agreement)
    level = ServiceLevel(agreement_id=agreement.id, **_level_values(actor, agreement, data))
    db.session.add(level)
    db.session.flush()
    record(
        actor,
        "agreement.level_add",
        agreement,
        f"Tjenestenivå lagt til avtale {agreement.title}",
        audit.diff({}, audit.snapshot(level, LEVEL_FIELDS)),
    )
    return level


@operation
def update_service_level(
    actor, level: ServiceLevel, *, expected_version=None, **data
) -> ServiceLevel:
    check_version(level, expected_version)
    agreement = level.agreement
    check_manages(actor, agreement)
    before = audit.snapshot(level, LEVEL_FIELDS)
    for key, value in _level_values(actor, agreement, {**before, **data}).items():
        setattr(level, key, value)
    changes = audit.diff(before, audit.snapshot(level, LEVEL_FIELDS))
    if changes:
        record(
            actor,
            "agreement.level_update",
            agreement,
            f"Tjenestenivå på avtale {agreement.title} endret",
            changes,
        )
    return level


@operation
def remove_service_level(actor, level: ServiceLevel) -> None:
    from vftops.agreements.models import Deviation

    agreement = level.agreement
    check_manages(actor, agreement)
    named = db.session.scalar(
        select(func.count(Deviation.id)).where(Deviation.service_level_id == level.id)
    )
    if named:
        raise ConflictError(
            _l(
                "A deviation names this service level: it stays, so the deviation says "
                "what was broken. Change its target instead."
            )
        )
    record(
        actor,
        "agreement.level_remove",
        agreement,
        f"Tjenestenivå fjernet fra avtale {agreement.title}",
        audit.diff(audit.snapshot(level, LEVEL_FIELDS), {}),
    )
    db.session.delete(level)
