"""The benchmark's agreements (`flask vftops bench`): 500 agreements with the suppliers'
escalations they are measured on (one resolved ticket in twenty escalated), 5,000 price
lines, 50,000 purchase orders called off them, two service levels and a supplier meeting
on each; timed: the deadlines page, an agreement's page, a year's evaluation and a
meeting's status report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, func, insert, select, update

from vftops.agreements.models import (
    Agreement,
    CallOff,
    ExtensionOption,
    PriceLine,
    ServiceLevel,
    SupplierMeeting,
)
from vftops.agreements.terms import add_months
from vftops.core.bench import batched
from vftops.core.modules import BenchCheck, BenchPart
from vftops.extensions import db
from vftops.stock.models import PurchaseOrder, PurchaseOrderLine
from vftops.support.models import Ticket

PRICE_LINES_EACH = 10
ORDERS_EACH = 100
ESCALATED_EVERY = 20
KINDS = ("framework", "lease", "service", "licence", "maintenance", "call_off", "data_processing")


def _escalate(supplier_ids: list[int], echo) -> None:
    """One resolved ticket in twenty was escalated to a supplier: answered and fixed."""
    rows = db.session.execute(
        select(Ticket.id, Ticket.created_at, Ticket.resolved_at).where(
            Ticket.resolved_at.is_not(None), Ticket.id % ESCALATED_EVERY == 0
        )
    ).all()
    echo(f"  agreements: {len(rows)} tickets escalated to suppliers")
    # The table, not the versioned model: a bulk write of the benchmark's own rows.
    table = Ticket.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("tid"))
        .values(
            supplier_id=bindparam("sid"),
            escalated_at=bindparam("esc"),
            supplier_answered_at=bindparam("ans"),
            supplier_fixed_at=bindparam("fix"),
        )
    )
    changes = (
        {
            "tid": tid,
            "sid": supplier_ids[n % len(supplier_ids)],
            "esc": created + timedelta(minutes=15),
            "ans": created + timedelta(minutes=30 + (n * 7) % 180),
            "fix": max(resolved, created + timedelta(minutes=45)),
        }
        for n, (tid, created, resolved) in enumerate(rows)
    )
    for batch in batched(changes, 5000):
        db.session.connection().execute(statement, batch)
    db.session.commit()


def build(world: dict) -> dict:
    mid, now, echo, user_id = (
        world["municipality_id"],
        world["now"],
        world["echo"],
        world["user_id"],
    )
    today = now.date()
    supplier_ids, product_ids, store_ids = (
        world["supplier_ids"],
        world["product_ids"],
        world["store_ids"],
    )
    count = world.get("agreements", 500)
    if not count:
        return {"agreement": None, "agreement_meeting": None}
    echo(
        f"  agreements: {count}, {count * PRICE_LINES_EACH} price lines, "
        f"{count * ORDERS_EACH} orders called off"
    )
    _escalate(supplier_ids, echo)
    agreements = []
    for n in range(count):
        starts = add_months(today, -(6 + n % 54))
        agreements.append(
            {
                "municipality_id": mid,
                "title": f"Avtale {n:03d}",
                "reference": f"2026/{n:04d}",
                "kind": KINDS[n % len(KINDS)],
                "status": "active",
                "supplier_id": supplier_ids[n % len(supplier_ids)],
                "owner_id": user_id,
                "procurement_id": user_id,
                "starts_on": starts,
                "ends_on": add_months(starts, 24 + 12 * (n % 4)),
                "notice_months": 3 + n % 4,
                "renews_automatically": n % 2 == 0,
                "renewal_months": 12,
                "estimated_value": 1_000_000 + 10_000 * n,
                "yearly_cost": 100_000 + 1_000 * n,
                "units_paid": 100 + n,
                "version": 1,
            }
        )
    db.session.execute(insert(Agreement), agreements)
    ids = list(
        db.session.scalars(
            select(Agreement.id).where(Agreement.title.like("Avtale %")).order_by(Agreement.id)
        )
    )
    rows = db.session.execute(
        select(Agreement.id, Agreement.supplier_id, Agreement.starts_on, Agreement.ends_on).where(
            Agreement.id.in_(ids)
        )
    ).all()
    options, lines, levels, meetings = [], [], [], []
    for n, (aid, _supplier, starts, ends) in enumerate(rows):
        if n % 3 == 0:
            options.append(
                {
                    "agreement_id": aid,
                    "position": 1,
                    "months": 12,
                    "decide_by": ends - timedelta(days=60 + n % 90),
                }
            )
        for k in range(PRICE_LINES_EACH):
            lines.append(
                {
                    "agreement_id": aid,
                    "product_id": product_ids[(n * PRICE_LINES_EACH + k) % len(product_ids)],
                    "unit_price": 1000 + k * 100,
                    "monthly_rent": 100 + k * 10,
                    "valid_from": starts,
                    "version": 1,
                }
            )
        levels += [
            {
                "agreement_id": aid,
                "metric": "answer_time",
                "target": 1,
                "calendar": "24x7",
                "version": 1,
            },
            {
                "agreement_id": aid,
                "metric": "fix_time",
                "target": 8,
                "calendar": "business",
                "version": 1,
            },
        ]
        meetings.append(
            {
                "agreement_id": aid,
                "held_on": today,
                "period_from": add_months(today, -3),
                "period_to": today,
                "minutes": "Referat",
                "version": 1,
            }
        )
    for table, batch_rows in (
        (ExtensionOption, options),
        (PriceLine, lines),
        (ServiceLevel, levels),
        (SupplierMeeting, meetings),
    ):
        for batch in batched(batch_rows):
            db.session.execute(insert(table), batch)
    db.session.commit()

    orders = (
        {
            "municipality_id": mid,
            "number": f"AV-{n:06d}",
            "supplier_id": rows[n % len(rows)][1],
            "store_id": store_ids[n % len(store_ids)],
            "status": "received" if n % 4 else "sent",
            "sent_at": now - timedelta(days=n % 700),
            "created_at": now - timedelta(days=n % 700, hours=2),
            "updated_at": now - timedelta(days=n % 700),
            "version": 1,
        }
        for n in range(count * ORDERS_EACH)
    )
    for batch in batched(orders, 10000):
        db.session.execute(insert(PurchaseOrder), batch)
    db.session.commit()
    order_rows = db.session.execute(
        select(PurchaseOrder.id, PurchaseOrder.number)
        .where(PurchaseOrder.number.like("AV-%"))
        .order_by(PurchaseOrder.number)
    ).all()
    order_lines = (
        {
            "order_id": oid,
            "product_id": product_ids[n % len(product_ids)],
            "quantity": 1 + n % 9,
            "received_quantity": 0,
            "unit_price": 900 + (n % 5) * 100,
        }
        for n, (oid, _number) in enumerate(order_rows)
    )
    for batch in batched(order_lines, 10000):
        db.session.execute(insert(PurchaseOrderLine), batch)
    links = (
        {"purchase_order_id": oid, "agreement_id": rows[n % len(rows)][0]}
        for n, (oid, _number) in enumerate(order_rows)
    )
    for batch in batched(links, 10000):
        db.session.execute(insert(CallOff), batch)
    db.session.commit()
    return find(world)


def find(world: dict) -> dict:
    """The agreement with the most call-offs, and its meeting."""
    busiest = db.session.execute(
        select(CallOff.agreement_id, func.count())
        .group_by(CallOff.agreement_id)
        .order_by(func.count().desc(), CallOff.agreement_id)
        .limit(1)
    ).first()
    if busiest is None:
        return {"agreement": None, "agreement_meeting": None}
    meeting = db.session.scalar(
        select(func.max(SupplierMeeting.id)).where(SupplierMeeting.agreement_id == busiest[0])
    )
    return {"agreement": busiest[0], "agreement_meeting": meeting}


def _path(template: str):
    def path(ids: dict) -> str | None:
        if ids.get("agreement") is None:
            return None
        return template.format(agreement=ids["agreement"], meeting=ids["agreement_meeting"])

    return path


PART = BenchPart(
    build=build,
    find=find,
    checks=(
        BenchCheck(
            "agreement deadlines, 500 agreements", _path("/agreements/deadlines"), target_ms=150
        ),
        BenchCheck("an agreement's page", _path("/agreements/{agreement}"), target_ms=150),
        BenchCheck(
            "an agreement evaluated over a year",
            _path("/agreements/{agreement}/evaluation"),
            target_ms=500,
        ),
        BenchCheck(
            "a supplier meeting's status report",
            _path("/agreements/meetings/{meeting}"),
            target_ms=1000,
        ),
        BenchCheck("agreements list", _path("/agreements"), target_ms=150),
    ),
)
