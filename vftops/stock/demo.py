"""Demo stores and a year of stock history for the shared service of Stjørdal and Meråker.

Everything is written through the operations, with the times the events
happened, so the charts, the suggested minimums and the idle cost tell a true
story: alarms delivered to the central store, installed week by week, some
failing and going to repair, some coming back when the service ends;
batteries and wrist straps received and issued; orders under way and a
transfer on the road. Deterministic (seeded) apart from «now».
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from vftops.core.models import local_today, utcnow
from vftops.equipment import operations as eq
from vftops.equipment.checklist import checklist_items
from vftops.equipment.models import Device, DeviceStatus, Ownership, StoreKind
from vftops.extensions import db
from vftops.stock import operations as ops

# (key, municipality, name, kind, responsible, shared with, address, note)
STORES = [
    (
        "central",
        "5035",
        "Hjelpemiddellageret",
        StoreKind.CENTRAL,
        "lagerleder",
        ["5034"],
        "Ole Vigs gate 8, 7500 Stjørdal",
        "Sentrallager for Stjørdal og Meråker",
    ),
    (
        "kvisla",
        "5035",
        "Kvislamarka sykehjem",
        StoreKind.LOCAL,
        "leder",
        [],
        "Kvislamarka 1, 7500 Stjørdal",
        "Skapet på vaktrommet, 2. etasje",
    ),
    (
        "car",
        "5035",
        "Teknikerbil 1",
        StoreKind.LOCAL,
        "tekniker",
        [],
        None,
        "Servicebilen til hjelpemiddelteamet",
    ),
    (
        "meraker",
        "5034",
        "Meråker sykehjem",
        StoreKind.LOCAL,
        "tekniker",
        [],
        "Sykehjemsvegen 2, 7530 Meråker",
        None,
    ),
    (
        "supplier",
        "5035",
        "Careium leverandørlager",
        StoreKind.SUPPLIER,
        "innkjop",
        ["5034"],
        None,
        "Leide GPS-klokker som Careium holder klare for oss",
    ),
]

# Consumables: (manufacturer, model, supplier index)
CONSUMABLES = [
    ("Tunstall", "Reservebatteri Smart Hub", 0),
    ("Tunstall", "Armbåndsstropp", 0),
    ("Careium", "Ladekabel GPS-klokke", 1),
]

# Devices installed from a store through the year:
# (store, product model, installs per month, delivery size, reorder point, leased)
FLOWS = [
    ("central", "Lifeline Smart Hub", 4.0, 12, 4, False),
    ("central", "Personal Care Terminal", 1.5, 6, 2, False),
    ("central", "GPS-klokke Q", 1.5, 5, 2, True),
    ("meraker", "Lifeline Smart Hub", 1.5, 5, 2, False),
]
FAULTY_PER_YEAR = 0.18  # share of installed devices that fail within a year
ENDS_PER_YEAR = 0.30  # share whose service ends within a year
REPAIR_DAYS = (14, 35)

# Minimums: (store, product model, minimum, reorder target, short?). Should the history
# leave a row on the other side of its minimum, the minimum moves just past what is on
# the shelf, so the board shows the same few rows whatever the day.
MINIMUMS = [
    ("central", "Personal Care Terminal", 4, 10, False),
    ("central", "GPS-klokke Q", 3, 6, False),
    ("central", "E300", 2, 4, False),
    ("central", "Sengesensor", 3, 6, False),
    ("central", "Reservebatteri Smart Hub", 15, 60, False),
    ("central", "Armbåndsstropp", 10, 30, True),
    ("kvisla", "Lifeline Smart Hub", 2, 3, False),
    ("kvisla", "Fallsensor iVi", 2, 4, True),
    ("car", "Lifeline Smart Hub", 2, 3, True),
    ("car", "Armbåndsstropp", 5, 10, True),
    ("meraker", "Lifeline Smart Hub", 2, 4, False),
    ("meraker", "Dørsensor", 1, 2, False),
    ("supplier", "GPS-klokke Q", 2, 4, False),
]


def create_demo_stores(municipalities: dict, users: dict) -> dict:
    """The stores of the shared service, each with a responsible person."""
    stores = {}
    for key, number, name, kind, responsible, shared, address, note in STORES:
        person = users.get(responsible) or users["tekniker"]
        stores[key] = ops.create_store(
            None,
            municipalities[number],
            name=name,
            kind=kind,
            responsible_id=person.id,
            shared_with_ids=[municipalities[n].id for n in shared],
            address=address,
            note=note,
        )
    db.session.flush()
    return stores


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    data: dict = field(compare=False, default_factory=dict)


class _History:
    """A year of one shared service, played forward in time through the operations."""

    def __init__(self, municipalities, users, stores, products, recipients, now):
        self.rnd = random.Random(5035)  # noqa: S311 - demo data, not security
        self.tech = users["tekniker"]
        self.stores = stores
        self.by_model = {p.model: p for p in products}
        self.recipients = recipients
        self.now = now
        self.events: list[_Event] = []
        self.seq = 0
        self.shelf: dict[tuple[str, str], list[Device]] = {}
        self.pending: set[tuple[str, str]] = set()
        self.serial = 500000
        self.busy: set[tuple[int, str]] = set()  # recipient × category with an open placement
        self.next_recipient = {m.id: 0 for m in municipalities.values()}
        self.placements: list[tuple[tuple[str, str], object]] = []

    def push(self, at: datetime, kind: str, **data) -> None:
        if at < self.now:
            self.seq += 1
            heapq.heappush(self.events, _Event(at, self.seq, kind, data))

    def plan(self) -> None:
        start = self.now - timedelta(days=365)
        for store, model, per_month, size, _reorder, _leased in FLOWS:
            flow = (store, model)
            self.shelf[flow] = []
            self.push(start - timedelta(days=10), "deliver", flow=flow, size=size + 4)
            for day in range(365):
                if self.rnd.random() < per_month / 30.4:
                    at = start + timedelta(days=day, hours=self.rnd.randint(8, 14))
                    self.push(at, "install", flow=flow)

    def run(self) -> None:
        handlers = {
            "deliver": self.deliver,
            "install": self.install,
            "fail": self.fail,
            "end": self.end,
            "repaired": self.repaired,
        }
        while self.events:
            event = heapq.heappop(self.events)
            handlers[event.kind](event.at, **event.data)

    def _flow(self, flow):
        return next(f for f in FLOWS if (f[0], f[1]) == flow)

    def deliver(self, at, *, flow, size):
        store_key, model, _rate, _size, _reorder, leased = self._flow(flow)
        product = self.by_model[model]
        self.pending.discard(flow)
        for _ in range(size):
            self.serial += 7
            data = {}
            if product.category in ("safety_alarm", "mobile_alarm"):
                data["phone_number"] = f"4{self.rnd.randint(1000000, 9999999)}"
            device = eq.register_device(
                self.tech,
                product=product,
                store=self.stores[store_key],
                serial_number=f"{product.manufacturer[:2].upper()}{self.serial}",
                reason="Leveranse fra rammeavtale",
                received_at=at,
                ownership=Ownership.LEASED.value if leased else Ownership.OWNED.value,
                acquired_on=at.date(),
                **data,
            )
            self.shelf[flow].append(device)

    def _reorder(self, at, flow):
        _store, model, _rate, size, reorder, _leased = self._flow(flow)
        if len(self.shelf[flow]) < reorder and flow not in self.pending:
            self.pending.add(flow)
            lead = self.by_model[model].supplier.lead_time_days or 14
            self.push(at + timedelta(days=lead, hours=1), "deliver", flow=flow, size=size)

    def _recipient(self, municipality_id: int, category: str):
        pool = [r for r in self.recipients if r.municipality_id == municipality_id]
        for _ in range(len(pool)):
            index = self.next_recipient[municipality_id]
            self.next_recipient[municipality_id] = (index + 1) % len(pool)
            recipient = pool[index]
            if (recipient.id, category) not in self.busy:
                return recipient
        return None

    def install(self, at, *, flow, replaces=None):
        shelf = self.shelf[flow]
        if not shelf:
            return None
        device = shelf[0]
        recipient = replaces.recipient if replaces is not None else None
        if recipient is None:
            recipient = self._recipient(device.municipality_id, device.product.category)
            if recipient is None:
                return None
        shelf.pop(0)
        placement = eq.install(
            self.tech,
            device,
            recipient,
            installed_at=at,
            config_note=replaces.config_note if replaces is not None else None,
            replaces=replaces,
            training_note=None if replaces is not None else "Gjennomgått med bruker",
        )
        self.busy.add((recipient.id, device.product.category))
        self.placements.append((flow, placement))
        self._reorder(at, flow)
        if self.rnd.random() < FAULTY_PER_YEAR:
            self.push(
                at + timedelta(days=self.rnd.randint(10, 300)), "fail", flow=flow, p=placement
            )
        elif self.rnd.random() < ENDS_PER_YEAR:
            self.push(at + timedelta(days=self.rnd.randint(40, 330)), "end", flow=flow, p=placement)
        return placement

    def fail(self, at, *, flow, p):
        """Faulty: to the supplier for repair, a replacement from the same store."""
        if p.returned_at is not None:
            return
        store = self.stores[flow[0]]
        eq.return_device(
            self.tech,
            p,
            reason="faulty",
            destination="repair",
            store=store,
            checklist=["retrieved"],
            note=self.rnd.choice(
                [
                    "Mistet forbindelse til responssenteret",
                    "Knappen reagerer ikke",
                    "Batteriet holder ikke strøm",
                    "Høyttaleren skurrer",
                ]
            ),
            returned_at=at,
        )
        self.busy.discard((p.recipient_id, p.device.product.category))
        self.install(at + timedelta(hours=2), flow=flow, replaces=p)
        back = at + timedelta(days=self.rnd.randint(*REPAIR_DAYS))
        self.push(back, "repaired", flow=flow, device=p.device)

    def repaired(self, at, *, flow, device):
        eq.change_status(
            self.tech,
            device,
            DeviceStatus.IN_STOCK.value,
            store=self.stores[flow[0]],
            reason="Reparert hos leverandør",
            at=at,
        )
        self.shelf[flow].append(device)

    def end(self, at, *, flow, p):
        """Service ended: the device comes back; reset at once, or still waiting if recent."""
        if p.returned_at is not None:
            return
        device = p.device
        recent = self.now - at < timedelta(days=21)
        full = [key for key, _label in checklist_items(device.product)]
        eq.return_device(
            self.tech,
            p,
            reason="service_ended",
            destination="store",
            store=self.stores[flow[0]],
            checklist=["retrieved"] if recent else full,
            returned_at=at,
        )
        self.busy.discard((p.recipient_id, device.product.category))
        if not recent:
            self.shelf[flow].append(device)


def _new_recipients(municipalities, units, rnd, now) -> list:
    from vftops.equipment.demo import FIRST, LAST, STREETS

    stjordal, meraker = municipalities["5035"], municipalities["5034"]
    out = []
    for n in range(90):
        municipality = meraker if n % 4 == 0 else stjordal
        out.append(
            eq.create_recipient(
                None,
                municipality,
                name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                address=f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}",
                postal_code="7500" if municipality is stjordal else "7530",
                city="Stjørdal" if municipality is stjordal else "Meråker",
                phone=f"9{rnd.randint(1000000, 9999999)}",
                journal_ref=f"EPJ-{municipality.number}-{20000 + n}",
                decision_ref=f"VT-2026-{600 + n}",
                next_evaluation_on=(now + timedelta(days=rnd.randint(30, 330))).date(),
                unit_id=units[municipality.id].id,
            )
        )
    return out


def _consumables(tech, stores, suppliers, recipients, rnd, now) -> dict:
    """Batteries and straps: received in boxes, issued a few at a time through the year."""
    made = {}
    for manufacturer, model, supplier in CONSUMABLES:
        made[model] = eq.create_product(
            None,
            category="other",
            manufacturer=manufacturer,
            model=model,
            is_serialised=False,
            supplier_id=suppliers[supplier].id,
        )
    db.session.flush()
    central = stores["central"]
    stjordal = [r for r in recipients if r.municipality_id == central.municipality_id]
    # (product, box, reorder below, issues per week, most per issue)
    plan = [
        (made["Reservebatteri Smart Hub"], 40, 15, 1.6, 2),
        (made["Armbåndsstropp"], 30, 12, 1.0, 2),
        (made["Ladekabel GPS-klokke"], 10, 3, 0.3, 1),
    ]
    start = now - timedelta(days=365)
    for product, box, below, per_week, most in plan:
        ops.receive_consumables(
            tech, central, product, box, reason="Leveranse fra rammeavtale", at=start
        )
        quantity = box
        for day in range(1, 365):
            at = start + timedelta(days=day, hours=rnd.randint(8, 15))
            if rnd.random() < per_week / 7:
                n = min(rnd.randint(1, most), quantity)
                if n:
                    ops.issue_consumables(
                        tech,
                        central,
                        product,
                        n,
                        recipient=rnd.choice(stjordal),
                        reason="Byttet hos bruker",
                        at=at,
                    )
                    quantity -= n
            if quantity < below and day % 9 == 0:
                ops.receive_consumables(
                    tech, central, product, box, reason="Leveranse fra rammeavtale", at=at
                )
                quantity += box
    # The technician's car got a box of straps last month and has used most of them.
    car = stores["car"]
    strap = made["Armbåndsstropp"]
    ops.receive_consumables(
        tech, car, strap, 8, reason="Påfyll til bilen", at=now - timedelta(days=30)
    )
    for days_ago in (24, 17, 11, 6, 2):
        ops.issue_consumables(
            tech,
            car,
            strap,
            1,
            recipient=rnd.choice(stjordal),
            reason="Byttet hos bruker",
            at=now - timedelta(days=days_ago, hours=3),
        )
    return made


def _on_shelf(store, product, n) -> list[Device]:
    return list(
        db.session.scalars(
            select(Device)
            .where(
                Device.store_id == store.id,
                Device.product_id == product.id,
                Device.status == DeviceStatus.IN_STOCK,
            )
            .order_by(Device.id)
            .limit(n)
        )
    )


def load_stock_demo(
    municipalities: dict,
    users: dict,
    *,
    suppliers: list,
    products: list,
    stores: dict,
    recipients: list,
) -> None:
    """A year of stock history, orders under way, a transfer on the road, minimums."""
    from vftops.org.models import Unit
    from vftops.stock.queries import level_for

    now = utcnow().replace(microsecond=0)
    today = local_today()
    rnd = random.Random(5034)  # noqa: S311 - demo data, not security
    tech, buyer = users["tekniker"], users["innkjop"]
    by_model = {p.model: p for p in products}
    units = {
        m.id: db.session.scalar(
            select(Unit).where(Unit.municipality_id == m.id, Unit.name.like("Hjemmetjenesten%"))
        )
        for m in municipalities.values()
    }

    # New services through the year get alarms and watches from the stores.
    people = _new_recipients(municipalities, units, rnd, now)
    db.session.flush()
    history = _History(municipalities, users, stores, products, people, now)
    history.plan()
    history.run()
    consumables = _consumables(tech, stores, suppliers, people, rnd, now)

    # Two alarms taken back last week and the week before, still waiting to be reset.
    ended = [
        p
        for flow, p in history.placements
        if flow == ("central", "Lifeline Smart Hub")
        and p.returned_at is None
        and p.installed_at < now - timedelta(days=60)
    ]
    for p, days_ago in zip(ended, (12, 9), strict=False):
        eq.return_device(
            tech,
            p,
            reason="service_ended",
            destination="store",
            store=stores["central"],
            checklist=["retrieved"],
            note="Flyttet på sykehjem",
            returned_at=now - timedelta(days=days_ago),
        )
    by_model |= consumables

    # Leased GPS watches held by the supplier for us: rent runs while they wait.
    for n in range(6):
        eq.register_device(
            buyer,
            product=by_model["GPS-klokke Q"],
            store=stores["supplier"],
            serial_number=f"CAGPS{700100 + n * 13}",
            reason="Leieavtale Careium: lagerført hos leverandør",
            received_at=now - timedelta(days=200 - n * 20),
            ownership=Ownership.LEASED.value,
            acquired_on=(now - timedelta(days=200 - n * 20)).date(),
            phone_number=f"4{8100000 + n * 17}",
        )

    # Transfers: sensors to the nursing home (received), alarms and straps on their way
    # to the technician's car.
    kvisla_sensors = _on_shelf(stores["central"], by_model["Sengesensor"], 2)
    if kvisla_sensors:
        transfer = ops.send_transfer(
            tech,
            stores["central"],
            stores["kvisla"],
            serials=[d.serial_number for d in kvisla_sensors],
            note="Til nye beboere",
        )
        ops.receive_transfer(users["leder"], transfer)
    car_alarms = _on_shelf(stores["central"], by_model["Lifeline Smart Hub"], 2)
    ops.send_transfer(
        tech,
        stores["central"],
        stores["car"],
        serials=[d.serial_number for d in car_alarms],
        quantities=[(consumables["Armbåndsstropp"], 6)],
        note="Påfyll til bilen før ukas installasjoner",
    )

    # Minimums: the central alarm from the suggestion, the rest set by hand.
    ops.accept_suggestion(tech, stores["central"], by_model["Lifeline Smart Hub"])
    db.session.flush()
    for store_key, model, minimum, target, short in MINIMUMS:
        store, product = stores[store_key], by_model[model]
        available = level_for(store, product).available
        if short and available >= minimum:
            minimum = available + 2
        elif not short and available < minimum:
            minimum = max(available, 1) if available else 0
        target = max(target, minimum + 1)
        ops.set_minimum(buyer, store, product, minimum=minimum, reorder_target=target)

    # Orders under way.
    tunstall, careium = suppliers[0], suppliers[1]
    overdue = ops.create_order(
        buyer,
        stores["meraker"],
        tunstall,
        lines=[
            (by_model["Lifeline Smart Hub"], 4, Decimal("2150.00")),
            (consumables["Armbåndsstropp"], 20, Decimal("89.00")),
        ],
        expected_on=today - timedelta(days=6),
        agreement_ref="RA-2024-017 Trygghetsalarmer",
    )
    ops.send_order(buyer, overdue, at=now - timedelta(days=16))
    coming = ops.create_order(
        buyer,
        stores["central"],
        careium,
        lines=[(by_model["Personal Care Terminal"], 6, Decimal("2490.00"))],
        expected_on=today + timedelta(days=9),
        agreement_ref="RA-2024-017 Trygghetsalarmer",
    )
    ops.send_order(buyer, coming, at=now - timedelta(days=5))
    partly = ops.create_order(
        buyer,
        stores["central"],
        tunstall,
        lines=[
            (consumables["Reservebatteri Smart Hub"], 60, Decimal("129.00")),
            (by_model["Røykvarsler R2"], 6, Decimal("640.00")),
        ],
        expected_on=today + timedelta(days=2),
        agreement_ref="RA-2024-017 Trygghetsalarmer",
    )
    ops.send_order(buyer, partly, at=now - timedelta(days=12))
    lines = {line.product_id: line.id for line in partly.lines}
    ops.receive_order(
        tech,
        partly,
        quantities={lines[consumables["Reservebatteri Smart Hub"].id]: 30},
        serials={lines[by_model["Røykvarsler R2"].id]: ["TURV880011", "TURV880012", "TURV880013"]},
    )
    # A draft from the shortfall board, not yet sent.
    ops.order_shortfall(buyer, stores["central"], consumables["Armbåndsstropp"])
    db.session.flush()


def load(world: dict) -> None:
    load_stock_demo(
        world["municipalities"],
        world["users"],
        suppliers=world["suppliers"],
        products=world["products"],
        stores=world["stores"],
        recipients=world["recipients"],
    )
