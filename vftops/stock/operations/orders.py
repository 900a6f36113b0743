"""Purchase orders: creating, sending, cancelling and receiving them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vftops.core import audit
from vftops.core.db import check_version, operation
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import local_today, utcnow
from vftops.core.validation import invalid, text_or_none
from vftops.equipment import operations as eq
from vftops.equipment.identifiers import numbered_serials
from vftops.equipment.models import Product, Store
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.stock import order_mail
from vftops.stock.models import (
    OrderReceipt,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)

from .common import require_active, whole_number
from .consumables import receive_consumables

# --- purchase orders --------------------------------------------------------------------

ORDER_FIELDS = ("status", "expected_on", "agreement_ref", "note", "supplier_id", "store_id")


def _order_state(order: PurchaseOrder) -> dict[str, Any]:
    state = audit.snapshot(order, ORDER_FIELDS)
    state["lines"] = {line.product_id: line.quantity for line in order.lines}
    return state


def _price(value, field: str):
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        price = Decimal(-1)
    if price < 0 or price != price.quantize(Decimal("0.01")):
        message = _l("Give the price in kroner, e.g. 249.00.")
        raise ValidationError(message, fields={field: [message]})
    return price


def _clean_lines(lines) -> list[tuple[Product, int, Decimal | None]]:
    out: list[tuple[Product, int, Decimal | None]] = []
    fields: dict[str, list] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines or []):
        product, quantity = line[0], line[1]
        price = line[2] if len(line) > 2 else None
        field = f"lines-{index}"
        if product.id in seen:
            fields[field] = [_l("%(name)s is on the order twice.", name=product.name)]
            continue
        seen.add(product.id)
        if not product.is_active:
            fields[field] = [_l("%(name)s is no longer in use.", name=product.name)]
            continue
        try:
            out.append((product, whole_number(quantity, field, minimum=1), _price(price, field)))
        except ValidationError as exc:
            fields |= exc.fields
    if fields:
        raise invalid(fields)
    if not out:
        message = _l("Add at least one product to the order.")
        raise ValidationError(message, fields={"lines": [message]})
    return out


def _next_number(municipality: Municipality, today: date) -> str:
    """«5035-2026-0001»: the municipality's own series for the year. The number is unique
    in the database; two orders made at the same moment cannot both take it (409)."""
    prefix = f"{municipality.number}-{today.year}-"
    last = db.session.scalar(
        select(func.max(PurchaseOrder.number)).where(
            PurchaseOrder.municipality_id == municipality.id,
            PurchaseOrder.number.like(f"{prefix}%"),
        )
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def default_expected_on(supplier, today: date | None = None) -> date:
    days = (
        getattr(supplier, "lead_time_days", None) or current_app.config["STOCK_DEFAULT_LEAD_DAYS"]
    )
    return (today or local_today()) + timedelta(days=days)


@operation
def create_order(
    actor,
    store: Store,
    supplier,
    *,
    lines,
    expected_on: date | None = None,
    agreement_ref: str | None = None,
    note: str | None = None,
) -> PurchaseOrder:
    """A draft order to a supplier, delivered to `store`."""
    require_active(store)
    if supplier is None or not supplier.is_active:
        message = _l("Choose an active supplier.")
        raise ValidationError(message, fields={"supplier_id": [message]})
    cleaned = _clean_lines(lines)
    order = PurchaseOrder(
        municipality_id=store.municipality_id,
        number=_next_number(store.municipality, local_today()),
        supplier_id=supplier.id,
        store_id=store.id,
        agreement_ref=text_or_none(agreement_ref),
        status=OrderStatus.DRAFT.value,
        expected_on=expected_on,
        note=text_or_none(note),
        created_by_id=actor.id if actor is not None else None,
    )
    order.lines = [
        PurchaseOrderLine(product_id=p.id, quantity=q, unit_price=price) for p, q, price in cleaned
    ]
    db.session.add(order)
    audit.record(
        actor,
        "order.create",
        order,
        f"Bestilling {order.number} til {supplier.name} opprettet",
        changes=audit.diff({}, _order_state(order)),
        municipality_id=order.municipality_id,
    )
    return order


@operation
def update_order(
    actor, order: PurchaseOrder, *, expected_version: int | None = None, **data
) -> PurchaseOrder:
    """Change a draft's lines; change the expected date, reference and note while open."""
    check_version(order, expected_version)
    if order.status not in (OrderStatus.DRAFT, OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED):
        raise ConflictError(_l("A received or cancelled order cannot be changed."))
    before = _order_state(order)
    if "lines" in data:
        if order.status != OrderStatus.DRAFT:
            message = _l("Only a draft's lines can be changed. Cancel and order again.")
            raise ConflictError(message, fields={"lines": [message]})
        cleaned = _clean_lines(data["lines"])
        existing = {line.product_id: line for line in order.lines}
        keep = []
        for product, quantity, price in cleaned:
            line = existing.get(product.id) or PurchaseOrderLine(product_id=product.id)
            line.quantity = quantity
            line.unit_price = price
            keep.append(line)
        order.lines = keep
    if "expected_on" in data:
        order.expected_on = data["expected_on"]
    for key in ("agreement_ref", "note"):
        if key in data:
            setattr(order, key, text_or_none(data[key]))
    changes = audit.diff(before, _order_state(order))
    if changes:
        order.updated_at = utcnow()
        audit.record(
            actor,
            "order.update",
            order,
            f"Bestilling {order.number} endret",
            changes=changes,
            municipality_id=order.municipality_id,
        )
    return order


@operation
def send_order(actor, order: PurchaseOrder, *, expected_version: int | None = None, at=None):
    check_version(order, expected_version)
    if order.status != OrderStatus.DRAFT:
        raise ConflictError(
            _l("The order has already been sent."), details={"status": order.status}
        )
    if not order.lines:
        message = _l("Add at least one product to the order.")
        raise ValidationError(message, fields={"lines": [message]})
    if order.expected_on is None:
        order.expected_on = default_expected_on(order.supplier)
    order.status = OrderStatus.SENT.value
    order.sent_at = at or utcnow()
    changes = {"status": {"before": "draft", "after": "sent"}}
    if order_mail.can_mail(order):
        # E-mailed to the supplier once this is committed (order_mail).
        order.mail_to = order.supplier.order_email
        changes["mail_to"] = {"before": None, "after": order.mail_to}
    audit.record(
        actor,
        "order.send",
        order,
        f"Bestilling {order.number} sendt til {order.supplier.name}"
        + (f" ({order.mail_to})" if order.mail_to else " (merket som sendt)"),
        changes=changes,
        municipality_id=order.municipality_id,
    )
    if order.mail_to:
        order_mail.deliver_after_commit(order, actor)
    return order


@operation
def cancel_order(
    actor, order: PurchaseOrder, *, reason: str | None = None, expected_version: int | None = None
):
    """Nothing more will come. What was received stays received."""
    check_version(order, expected_version)
    if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
        raise ConflictError(_l("The order is already closed."), details={"status": order.status})
    reason = text_or_none(reason)
    if order.status != OrderStatus.DRAFT and not reason:
        message = _l("Say why a sent order is cancelled.")
        raise ValidationError(message, fields={"reason": [message]})
    before = order.status
    order.status = OrderStatus.CANCELLED.value
    order.closed_at = utcnow()
    audit.record(
        actor,
        "order.cancel",
        order,
        f"Bestilling {order.number} kansellert" + (f": {reason}" if reason else ""),
        changes={"status": {"before": before, "after": "cancelled"}},
        municipality_id=order.municipality_id,
    )
    return order


@operation
def receive_order(
    actor,
    order: PurchaseOrder,
    *,
    serials: dict[int, list[str]] | None = None,
    quantities: dict[int, Any] | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    shared_serial_ok: bool = False,
) -> list[OrderReceipt]:
    """Receive (part of) a delivery: scanned serials become devices, quantities are added.

    All lines or none. More than ordered is allowed only with a reason; a serial that is
    registered for another product only with `shared_serial_ok`.
    """
    check_version(order, expected_version)
    _check_receivable(order)
    lines = {line.id: line for line in order.lines}
    serials = {int(k): v for k, v in (serials or {}).items() if any(str(s).strip() for s in v)}
    quantities = {int(k): v for k, v in (quantities or {}).items() if v not in (None, "", 0, "0")}
    counts = _received_counts(lines, serials, quantities)
    reason = text_or_none(reason)
    over = _over_ordered(lines, counts, reason)
    ledger_reason = f"Bestilling {order.number}" + (f": {reason}" if reason else "")
    receipts = [
        _receive_line(
            actor,
            order,
            lines[line_id],
            n,
            serials.get(line_id),
            ledger_reason=ledger_reason,
            reason=reason if line_id in over else None,
            shared_serial_ok=shared_serial_ok,
        )
        for line_id, n in sorted(counts.items())
    ]
    before = order.status
    complete = all(line.received_quantity >= line.quantity for line in order.lines)
    order.status = (OrderStatus.RECEIVED if complete else OrderStatus.PARTLY_RECEIVED).value
    if complete:
        order.closed_at = utcnow()
    order.updated_at = utcnow()  # bump the version: two receipts of one delivery collide
    audit.record(
        actor,
        "order.receive",
        order,
        f"Bestilling {order.number}: {sum(counts.values())} mottatt"
        + (f" (mer enn bestilt: {reason})" if over else ""),
        changes={
            "status": {"before": before, "after": order.status},
            "received": {"before": None, "after": {str(k): v for k, v in counts.items()}},
        },
        municipality_id=order.municipality_id,
    )
    return receipts


def _check_receivable(order: PurchaseOrder) -> None:
    if order.status not in (OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED):
        message = (
            _l("Send the order before receiving against it.")
            if order.status == OrderStatus.DRAFT
            else _l("The order is closed.")
        )
        raise ConflictError(message, details={"status": order.status})
    require_active(order.store)


def _received_counts(lines: dict, serials: dict, quantities: dict) -> dict[int, int]:
    """How many of each line arrived: the scanned serials or the typed quantity. Every line
    in error is named at once; nothing is received until all are right."""
    fields: dict[str, list] = {}
    counts: dict[int, int] = {}
    for line_id in set(serials) | set(quantities):
        line = lines.get(line_id)
        field = f"line-{line_id}"
        if line is None:
            fields[field] = [_l("The line is not on this order.")]
        elif line.product.is_serialised and line_id in quantities:
            fields[field] = [_l("Scan the serial numbers of %(name)s.", name=line.product.name)]
        elif line.product.is_serialised:
            numbered, problems = numbered_serials(serials[line_id], field=field)
            if problems:
                fields[field] = problems
            else:
                counts[line_id] = len(numbered)
        else:
            try:
                counts[line_id] = whole_number(quantities.get(line_id), field, minimum=1)
            except ValidationError as exc:
                fields |= exc.fields
    if fields:
        raise ValidationError(
            _l("Nothing was received. Correct these lines and try again."), fields=fields
        )
    if not counts:
        message = _l("Scan or enter at least one item received.")
        raise ValidationError(message, fields={"lines": [message]})
    return counts


def _over_ordered(lines: dict, counts: dict[int, int], reason: str | None) -> dict[int, int]:
    """Line → how many more than ordered; refused without a reason."""
    over = {
        line_id: lines[line_id].received_quantity + n - lines[line_id].quantity
        for line_id, n in counts.items()
        if lines[line_id].received_quantity + n > lines[line_id].quantity
    }
    if over and not reason:
        fields = {
            f"line-{line_id}": [
                _l(
                    "%(n)d more than ordered of %(name)s. Give a reason to receive them anyway.",
                    n=extra,
                    name=lines[line_id].product.name,
                )
            ]
            for line_id, extra in over.items()
        }
        message = _l("More than ordered: give a reason to receive it anyway.")
        fields["reason"] = [message]
        raise ValidationError(message, fields=fields, details={"over": over})
    return over


def _receive_line(
    actor,
    order: PurchaseOrder,
    line,
    n: int,
    serial_lines: list[str] | None,
    *,
    ledger_reason: str,
    reason: str | None,
    shared_serial_ok: bool,
) -> OrderReceipt:
    """Put one line's delivery on the shelf: devices registered, or consumables counted in."""
    if line.product.is_serialised:
        try:
            eq.receive_devices(
                actor,
                product=line.product,
                store=order.store,
                serial_lines=serial_lines,
                reason=ledger_reason,
                shared_serial_ok=shared_serial_ok,
            )
        except ValidationError as exc:
            problems = exc.fields.get("serials") or [str(exc.message)]
            raise ValidationError(
                _l("Nothing was received. Correct these lines and try again."),
                fields={f"line-{line.id}": problems},
            ) from exc
        except ConflictError as exc:
            raise ConflictError(
                exc.message, fields={f"line-{line.id}": [exc.message]}, details=exc.details
            ) from exc
    else:
        receive_consumables(actor, order.store, line.product, n, reason=ledger_reason, order=order)
    line.received_quantity += n
    receipt = OrderReceipt(
        order_id=order.id,
        line_id=line.id,
        quantity=n,
        actor_id=actor.id if actor is not None else None,
        reason=reason,
    )
    db.session.add(receipt)
    return receipt


@operation
def order_shortfall(actor, store: Store, product: Product) -> PurchaseOrder:
    """«Bestill det som mangler»: a draft order (or a line on the open draft) up to target,
    less what other stores can send (the shortfall board's suggested transfers)."""
    from vftops.stock.queries import refill_plan

    level = refill_plan(actor, store, product)
    # The board's «to order»: what is on order or on a transfer here fills the shelf too.
    quantity = level.order_after_transfers
    if quantity < 1 and level.transfer_from:
        message = _l(
            "Nothing to order: %(stores)s can send what %(store)s lacks. Send a transfer first.",
            stores=", ".join(f"{source.name} ({n})" for source, n in level.transfer_from),
            store=store.name,
        )
        raise ConflictError(
            message,
            details={
                "transfer_from": [
                    {"store_id": source.id, "quantity": n} for source, n in level.transfer_from
                ]
            },
        )
    if quantity < 1:
        message = _l(
            "Nothing to order: what is on order or on its way already fills %(store)s up to %(n)d.",
            store=store.name,
            n=level.target,
        )
        raise ConflictError(
            message,
            details={
                "target": level.target,
                "available": level.available,
                "on_order": level.on_order,
                "incoming": level.incoming,
            },
        )
    supplier = product.supplier
    if supplier is None:
        message = _l("%(name)s has no supplier. Set one on the product first.", name=product.name)
        raise ValidationError(message, fields={"supplier_id": [message]})
    draft = db.session.scalars(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.store_id == store.id,
            PurchaseOrder.supplier_id == supplier.id,
            PurchaseOrder.status == OrderStatus.DRAFT,
        )
        .order_by(PurchaseOrder.id.desc())
    ).first()
    if draft is None:
        return create_order(
            actor,
            store,
            supplier,
            lines=[(product, quantity)],
            expected_on=default_expected_on(supplier),
            note=str(_l("Ordered from the shortfall board.")),
        )
    lines = [(line.product, line.quantity, line.unit_price) for line in draft.lines]
    for index, (p, _q, price) in enumerate(lines):
        if p.id == product.id:
            lines[index] = (p, quantity, price)
            break
    else:
        lines.append((product, quantity, None))
    return update_order(actor, draft, lines=lines)
