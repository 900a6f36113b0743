"""Read side of the equipment register: scoped lists, timelines and search."""

from __future__ import annotations

import re

from flask_babel import to_user_timezone
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from vftops.core.db import where_equal
from vftops.core.scope import scoped
from vftops.equipment.identifiers import normalise_serial
from vftops.equipment.models import (
    Device,
    DeviceStatus,
    Movement,
    Placement,
    Product,
    Recipient,
    Store,
    Visit,
    VisitStatus,
)
from vftops.equipment.permissions import EQUIPMENT_VIEW, PLACEMENTS_MANAGE, RECIPIENTS_VIEW
from vftops.extensions import db

_TOP = chr(0x10FFFF)  # sorts after every character: "x" <= s < "x" + _TOP means s starts with x


def starts_with(column, value: str):
    """An index-friendly «column starts with value» on both databases."""
    if db.engine.dialect.name == "sqlite":
        # SQLite's LIKE ignores case and so cannot use the index; a range can.
        return (column >= value) & (column < value + _TOP)
    return column.startswith(value, autoescape=True)


def number_search(text: str):
    """Devices whose serial starts or ends with the text, or whose IMEI or phone starts with it.

    Every branch is an index lookup, so a search stays fast at hundreds of
    thousands of devices. Returns None for an empty query.
    """
    needle = normalise_serial(text)
    if not needle:
        return None
    clauses = [
        starts_with(Device.serial_number, needle),
        starts_with(Device.serial_reversed, needle[::-1]),
    ]
    digits = "".join(ch for ch in needle if ch in "0123456789+")
    if digits:
        clauses.append(starts_with(Device.imei, digits.lstrip("+")))
        phone = digits
        if phone.startswith("0047"):
            phone = "+47" + phone[4:]
        elif not phone.startswith("+"):
            phone = "+47" + phone
        clauses.append(starts_with(Device.phone_number, phone))
        if not digits.startswith("+"):
            clauses.append(starts_with(Device.phone_number, "+" + digits))
    return or_(*clauses)


def devices_for(
    user,
    *,
    serial: str | None = None,
    product_id: int | None = None,
    category: str | None = None,
    status: str | None = None,
    store_id: int | None = None,
    municipality_id: int | None = None,
):
    """Devices in the user's municipalities, filtered, with product and store loaded."""
    # selectinload: the page's rows first (index walk), then their products and
    # stores in one query each, instead of joining while skipping deep pages.
    stmt = scoped(select(Device), Device, user).options(
        selectinload(Device.product), selectinload(Device.store), selectinload(Device.municipality)
    )
    if serial:
        clause = number_search(serial)
        if clause is not None:
            stmt = stmt.where(clause)
    if product_id:
        stmt = stmt.where(Device.product_id == product_id)
    if category:
        stmt = stmt.where(Device.product.has(Product.category == category))
    if status:
        stmt = stmt.where(Device.status == status)
    if store_id:
        stmt = stmt.where(Device.store_id == store_id)
    if municipality_id:
        stmt = stmt.where(Device.municipality_id == municipality_id)
    return stmt


def open_placements_by_device(device_ids) -> dict[int, Placement]:
    """The open placement of each installed device, with its recipient (one query)."""
    if not device_ids:
        return {}
    rows = db.session.scalars(
        select(Placement)
        .where(Placement.device_id.in_(device_ids), Placement.returned_at.is_(None))
        .options(joinedload(Placement.recipient))
    )
    return {p.device_id: p for p in rows}


def device_timeline(device: Device, limit: int | None = 100) -> tuple[list[Movement], int]:
    """The newest ledger lines of a device (all when limit is None) and how many there are."""
    stmt = (
        select(Movement)
        .where(Movement.device_id == device.id)
        .options(
            joinedload(Movement.actor),
            joinedload(Movement.from_store),
            joinedload(Movement.to_store),
            joinedload(Movement.placement).joinedload(Placement.recipient),
        )
        .order_by(Movement.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = list(db.session.scalars(stmt))
    total = len(rows)
    if limit is not None and total == limit:
        total = db.session.scalar(
            select(func.count(Movement.id)).where(Movement.device_id == device.id)
        )
    return rows, total


def _placements_of(recipient: Recipient):
    return (
        select(Placement)
        .where(Placement.recipient_id == recipient.id)
        .options(
            joinedload(Placement.device).joinedload(Device.product),
            joinedload(Placement.installed_by),
            joinedload(Placement.returned_by),
        )
        .order_by(Placement.returned_at.is_not(None), Placement.installed_at.desc())
    )


def current_placements(recipient: Recipient) -> list[Placement]:
    """The devices a recipient has now, newest first."""
    return list(
        db.session.scalars(_placements_of(recipient).where(Placement.returned_at.is_(None)))
    )


def recipient_history(
    recipient: Recipient, limit: int | None = 50
) -> tuple[list[Placement], list[Placement], int]:
    """The devices a recipient has now (all of them), the newest `limit` earlier ones (all
    when None) and how many earlier ones there are: a long history costs one page."""
    current = current_placements(recipient)
    stmt = _placements_of(recipient).where(Placement.returned_at.is_not(None))
    past = list(db.session.scalars(stmt.limit(limit) if limit is not None else stmt))
    total = len(past)
    if limit is not None and total == limit:
        total = db.session.scalar(
            select(func.count(Placement.id)).where(
                Placement.recipient_id == recipient.id, Placement.returned_at.is_not(None)
            )
        )
    return current, past, total


def recipients_for(
    user,
    *,
    q: str | None = None,
    municipality_id=None,
    unit_id=None,
    critical: bool | None = None,
    by_address: bool = False,
):
    """Recipients of the user's municipalities; `q` finds a name, the start of a journal
    reference and, `by_address`, part of the address (pickers and the recipient list)."""
    stmt = scoped(select(Recipient), Recipient, user).options(
        joinedload(Recipient.municipality), joinedload(Recipient.unit)
    )
    stmt = stmt.where(Recipient.anonymised_at.is_(None))
    if q and q.strip():
        needle = q.strip()
        in_address = (
            db.func.lower(Recipient.address).contains(needle.lower(), autoescape=True)
            if by_address
            else false()
        )
        if any(ch in "0123456789" for ch in needle):
            # A journal reference (its start, through the index) or a house number.
            stmt = stmt.where(
                or_(
                    starts_with(Recipient.journal_ref, needle),
                    starts_with(Recipient.journal_ref, needle.upper()),
                    in_address,
                )
            )
        else:
            stmt = stmt.where(
                or_(
                    db.func.lower(Recipient.name).contains(needle.lower(), autoescape=True),
                    in_address,
                )
            )
    if municipality_id:
        stmt = stmt.where(Recipient.municipality_id == municipality_id)
    if unit_id:
        stmt = stmt.where(Recipient.unit_id == unit_id)
    if critical:
        stmt = stmt.where(Recipient.is_critical.is_(True))
    return stmt


def service_ended_with_devices_out(user):
    """Recipients whose service has ended but whose devices are not back yet."""
    has_open = (
        select(Placement.id)
        .where(Placement.recipient_id == Recipient.id, Placement.returned_at.is_(None))
        .exists()
    )
    return recipients_for(user).where(Recipient.service_ended_on.is_not(None), has_open)


def stores_for(user, *, active_only: bool = True):
    """The stores a user may see: their municipalities' own and those shared with them."""
    stmt = scoped(select(Store), Store, user).options(
        joinedload(Store.municipality), selectinload(Store.shared_with)
    )
    if active_only:
        stmt = stmt.where(Store.is_active.is_(True))
    return stmt.order_by(Store.name)


def store_ids_for(user, *, active_only: bool = True):
    """The same stores as a subquery of ids, for aggregate queries."""
    stmt = scoped(select(Store.id), Store, user)
    if active_only:
        stmt = stmt.where(Store.is_active.is_(True))
    return stmt


def products(active_only: bool = True, category: str | None = None):
    stmt = select(Product).options(selectinload(Product.supplier))
    if active_only:
        stmt = stmt.where(Product.is_active.is_(True))
    if category:
        stmt = stmt.where(Product.category == category)
    return stmt.order_by(Product.manufacturer, Product.model)


def consumables(*, ids=None, active_only: bool = True) -> list[Product]:
    """Products counted, not serialised, by name; `ids` limits them to those products."""
    stmt = products(active_only=active_only).where(Product.is_serialised.is_(False))
    if ids is not None:
        stmt = stmt.where(Product.id.in_(list(ids)))
    return db.session.scalars(stmt).all()


def active_products() -> list[Product]:
    """The catalogue one may still choose from, by name."""
    return db.session.scalars(products()).all()


def product_options(
    *,
    serialised_only: bool = False,
    matching: str | None = None,
    limit: int | None = None,
    ids=None,
    active_only: bool = True,
):
    """Rows of (id, manufacturer, model, category) for a product choice, by name: only
    the columns an option needs, since a catalogue can hold thousands of products.
    `matching` is part of «manufacturer model»; `ids` limits the rows to those products."""
    stmt = select(Product.id, Product.manufacturer, Product.model, Product.category)
    if active_only:
        stmt = stmt.where(Product.is_active.is_(True))
    if serialised_only:
        stmt = stmt.where(Product.is_serialised.is_(True))
    if matching:
        stmt = stmt.where(product_matches(matching))
    if ids is not None:
        stmt = stmt.where(Product.id.in_(list(ids)))
    stmt = stmt.order_by(Product.manufacturer, Product.model)
    if limit is not None:
        stmt = stmt.limit(limit)
    return db.session.execute(stmt).all()


def product_matches(wanted: str):
    """Part of «manufacturer model», case-insensitive."""
    name = func.lower(Product.manufacturer + " " + Product.model)
    return name.contains(wanted.lower(), autoescape=True)


def planned_visits_of(user, until) -> list[Visit]:
    """«My day»: the user's planned jobs in their municipalities up to `until`, by day."""
    return db.session.scalars(
        scoped(select(Visit), Visit, user)
        .where(
            Visit.assigned_to_id == user.id,
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_on <= until,
        )
        .options(
            joinedload(Visit.recipient),
            joinedload(Visit.device).joinedload(Device.product),
            joinedload(Visit.placement).joinedload(Placement.device),
            selectinload(Visit.ticket),
        )
        .order_by(Visit.planned_on, Visit.id)
    ).all()


def planned_visit(user, visit_id) -> Visit | None:
    """A planned job the user may see, with its recipient; None otherwise."""
    return db.session.scalar(
        scoped(select(Visit), Visit, user)
        .where(Visit.id == visit_id, Visit.status == VisitStatus.PLANNED)
        .options(joinedload(Visit.recipient))
    )


def devices_named(user, *, ids=(), serials=(), municipality_id=None, options=()) -> list[Device]:
    """Devices in the user's municipalities with one of the ids or one of the serial numbers
    (optionally of one municipality only), by id."""
    stmt = scoped(select(Device), Device, user).where(
        or_(Device.id.in_(list(ids)), Device.serial_number.in_(list(serials)))
    )
    if municipality_id is not None:
        stmt = stmt.where(Device.municipality_id == municipality_id)
    return db.session.scalars(stmt.options(*options).order_by(Device.id)).all()


def devices_by_number(user, serial: str, imei: str, *, options=(), limit: int = 10):
    """Devices in the user's municipalities with this serial number or this IMEI: a serial
    is unique per product, not overall, so there may be several."""
    return db.session.scalars(
        scoped(select(Device), Device, user)
        .where(or_(Device.serial_number == serial, Device.imei == imei))
        .options(*options)
        .limit(limit)
    ).all()


def spares(user, categories, municipality_id: int, *, limit: int = 200) -> list[Device]:
    """Devices of the categories in stock in a municipality the user sees, by serial."""
    return db.session.scalars(
        scoped(select(Device), Device, user)
        .join(Product, Product.id == Device.product_id)
        .where(
            Product.category.in_(list(categories)),
            Device.status == DeviceStatus.IN_STOCK.value,
            Device.municipality_id == municipality_id,
        )
        .options(joinedload(Device.product), joinedload(Device.store))
        .order_by(Device.serial_number)
        .limit(limit)
    ).all()


def open_placements_of(municipality_id: int, *, device_ids=(), recipient_id=None):
    """Open placements in a municipality of any of the devices or at the recipient, with
    device, product and recipient, oldest first."""
    where = []
    if device_ids:
        where.append(Placement.device_id.in_(list(device_ids)))
    if recipient_id is not None:
        where.append(Placement.recipient_id == recipient_id)
    if not where:
        return []
    return db.session.scalars(
        select(Placement)
        .where(
            or_(*where),
            Placement.returned_at.is_(None),
            Placement.municipality_id == municipality_id,
        )
        .options(
            joinedload(Placement.device).joinedload(Device.product),
            joinedload(Placement.recipient),
        )
        .order_by(Placement.installed_at, Placement.id)
    ).all()


def installed_by_product(municipality_id: int) -> dict[int, int]:
    """How many devices of each product are installed in a municipality, by product id."""
    return dict(
        db.session.execute(
            select(Device.product_id, func.count())
            .where(
                Device.municipality_id == municipality_id,
                Device.status == DeviceStatus.INSTALLED.value,
            )
            .group_by(Device.product_id)
        ).all()
    )


def products_in_use(municipality_id: int, statuses) -> list[Product]:
    """Serialised products a municipality has devices of in one of the statuses, with their
    supplier, by category and name."""
    return db.session.scalars(
        select(Product)
        .where(
            Product.is_serialised.is_(True),
            Product.id.in_(
                select(Device.product_id).where(
                    Device.municipality_id == municipality_id, Device.status.in_(list(statuses))
                )
            ),
        )
        .options(joinedload(Product.supplier))
        .order_by(Product.category, Product.manufacturer, Product.model)
    ).all()


def jobs_today(user, now) -> int | None:
    """The start page: the visits planned for the user up to today (None: not their work)."""
    if not user.can(PLACEMENTS_MANAGE):
        return None
    return db.session.scalar(
        select(func.count(Visit.id)).where(
            Visit.assigned_to_id == user.id,
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_on <= to_user_timezone(now).date(),
        )
    )


def find_box(user, _now) -> dict | None:
    """The start page's search box, for those who may search devices or recipients."""
    can_scan = user.can(EQUIPMENT_VIEW)
    if not (can_scan or user.can(RECIPIENTS_VIEW)):
        return None
    return {"can_scan": can_scan}


def contains_text(column, text: str):
    """Case-insensitive «contains», with % and _ taken literally."""
    return func.lower(column).contains(text.strip().lower(), autoescape=True)


def open_placement_ids(device_ids) -> dict[int, int]:
    """The id of each device's open placement (one query)."""
    if not device_ids:
        return {}
    return dict(
        db.session.execute(
            select(Placement.device_id, Placement.id).where(
                Placement.device_id.in_(list(device_ids)), Placement.returned_at.is_(None)
            )
        ).all()
    )


# --- the API's lists: a SELECT each, for the API to page -----------------------------


def product_search(filters):
    """The API's catalogue list: filtered by category, text and active flag; a SELECT to page."""
    stmt = select(Product).options(selectinload(Product.supplier))
    if filters["category"]:
        stmt = stmt.where(Product.category == filters["category"])
    if filters["q"] and filters["q"].strip():
        stmt = stmt.where(contains_text(Product.manufacturer + " " + Product.model, filters["q"]))
    if filters["is_active"] is not None:
        stmt = stmt.where(Product.is_active.is_(filters["is_active"]))
    return stmt


def device_search(user, filters, *, options=()):
    """The API's device search in the user's municipalities: by serial (start or end), IMEI,
    phone, product, status, store, municipality and category; a SELECT to page."""
    stmt = scoped(select(Device), Device, user).options(*options)
    serial = normalise_serial(filters["serial"])
    if serial:
        # The start or the end of the serial: both are index lookups.
        stmt = stmt.where(
            or_(
                starts_with(Device.serial_number, serial),
                starts_with(Device.serial_reversed, serial[::-1]),
            )
        )
    if filters["imei"] and filters["imei"].strip():
        stmt = stmt.where(Device.imei == re.sub(r"[\s-]", "", filters["imei"]))
    phone = re.sub(r"[\s()-]", "", filters["phone"] or "")
    if phone:
        if phone.startswith("0047"):
            phone = "+47" + phone[4:]
        stmt = stmt.where(Device.phone_number.contains(phone, autoescape=True))
    stmt = where_equal(
        stmt,
        Device,
        product_id=filters["product_id"],
        status=filters["status"],
        store_id=filters["store_id"],
        municipality_id=filters["municipality_id"],
    )
    if filters["category"]:
        stmt = stmt.where(Device.product.has(Product.category == filters["category"]))
    return stmt


def recipient_search(user, filters):
    """The API's recipient search in the user's municipalities (the anonymised left out):
    by name or journal reference, municipality, unit, critical and ended service."""
    stmt = scoped(select(Recipient), Recipient, user).where(Recipient.anonymised_at.is_(None))
    if filters["q"] and filters["q"].strip():
        stmt = stmt.where(
            or_(
                contains_text(Recipient.name, filters["q"]),
                contains_text(Recipient.journal_ref, filters["q"]),
            )
        )
    stmt = where_equal(
        stmt, Recipient, municipality_id=filters["municipality_id"], unit_id=filters["unit_id"]
    )
    if filters["is_critical"] is not None:
        stmt = stmt.where(Recipient.is_critical.is_(filters["is_critical"]))
    if filters["service_ended"] is True:
        stmt = stmt.where(Recipient.service_ended_on.is_not(None))
    elif filters["service_ended"] is False:
        stmt = stmt.where(Recipient.service_ended_on.is_(None))
    return stmt


def placement_search(user, filters, *, options=()):
    """The API's placements in the user's municipalities: by device, recipient, open or ended."""
    stmt = scoped(select(Placement), Placement, user).options(*options)
    stmt = where_equal(
        stmt, Placement, device_id=filters["device_id"], recipient_id=filters["recipient_id"]
    )
    if filters["open"] is True:
        stmt = stmt.where(Placement.returned_at.is_(None))
    elif filters["open"] is False:
        stmt = stmt.where(Placement.returned_at.is_not(None))
    return stmt


def movement_search(user, filters):
    """The API's device ledger in the user's municipalities: by device, kind or placement."""
    stmt = scoped(select(Movement), Movement, user).options(joinedload(Movement.actor))
    stmt = where_equal(
        stmt,
        Movement,
        device_id=filters["device_id"],
        kind=filters["kind"],
        placement_id=filters["placement_id"],
    )
    return stmt
