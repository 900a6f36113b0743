"""The store's rules, exercised through the operations every page and the API use."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import race
from vftops.core.audit import AuditEvent
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import local_today, utcnow
from vftops.equipment import operations as eq
from vftops.equipment.models import Device, Movement, Product, Recipient, Store
from vftops.extensions import db
from vftops.org.models import Municipality
from vftops.stock import operations as st
from vftops.stock import queries as q
from vftops.stock.models import StockMovement, Transfer
from vftops.stock.operations import stores


@pytest.fixture
def shop(app, factories):
    """Stjørdal with a central store and a car, a serialised alarm and a consumable."""
    m = factories.municipality(name="Stjørdal", number="5035")
    central = factories.store(m, name="Sentrallager")
    car = factories.store(m, name="Teknikerbil", kind="local")
    with app.app_context():
        from vftops.suppliers.operations import create_supplier

        supplier = create_supplier(None, name="Alarmleverandøren AS")
        db.session.commit()
        supplier_id = supplier.id
    alarm = factories.product("safety_alarm", model="Lifeline Vi+", supplier_id=supplier_id)
    battery = factories.product(
        "other", model="CR2-batteri", is_serialised=False, supplier_id=supplier_id
    )
    return SimpleNamespace(
        m=m, central=central, car=car, alarm=alarm, battery=battery, supplier_id=supplier_id
    )


def _get(model, obj):
    return db.session.get(model, obj.id)


def test_consumables_are_counted_by_their_ledger_and_never_go_below_zero(app, shop):
    """Receive 10, issue 3, then try to issue 8: refused with what is there, nothing changes."""
    with app.app_context():
        store, battery = _get(Store, shop.central), _get(Product, shop.battery)
        st.receive_consumables(None, store, battery, 10, reason="Levering 14")
        st.issue_consumables(None, store, battery, "3", reason="Byttet batteri hos bruker")
        db.session.commit()
        with pytest.raises(ConflictError) as refused:
            st.issue_consumables(None, store, battery, 8, reason="For mange")
        assert refused.value.details == {"available": 7, "wanted": 8}
        assert "har bare 7" in str(refused.value.message)
        db.session.commit()
        assert st.balance(store, battery) == 7
        ledger = db.session.execute(
            select(
                StockMovement.kind, StockMovement.quantity, StockMovement.balance_after
            ).order_by(StockMovement.id)
        ).all()
        assert ledger == [("receive", 10, 10), ("issue", -3, 7)]
        # The database itself refuses a negative quantity, whoever writes.
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE stock_balances SET quantity = -1"))
        db.session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE stock_movements SET quantity = 1"))
        db.session.rollback()


@pytest.mark.parametrize("bad", ["0", "-2", "2.5", "tre", None])
def test_a_quantity_must_be_a_whole_number_above_zero(app, shop, bad):
    with app.app_context():
        store, battery = _get(Store, shop.central), _get(Product, shop.battery)
        with pytest.raises(ValidationError) as refused:
            st.receive_consumables(None, store, battery, bad)
        assert "quantity" in refused.value.fields
        assert db.session.scalar(select(func.count(StockMovement.id))) == 0


def test_serialised_products_are_not_counted_as_consumables(app, shop):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            st.receive_consumables(None, _get(Store, shop.central), _get(Product, shop.alarm), 2)
        assert "spores med serienummer" in str(refused.value.message)


def test_two_technicians_taking_the_last_battery_at_once(app, shop):
    """One gets it; the other is told there is none left, and the balance is 0, not -1."""
    with app.app_context():
        st.receive_consumables(None, _get(Store, shop.central), _get(Product, shop.battery), 1)
        db.session.commit()

    def work(i, prepared):
        if prepared is None:
            return (_get(Store, shop.central), _get(Product, shop.battery))
        store, battery = prepared
        return st.issue_consumables(None, store, battery, 1, reason=f"Tekniker {i}").id

    outcomes = race(app, work, prepare=lambda i: work(i, None))
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes
    with app.app_context():
        assert st.balance(_get(Store, shop.central), _get(Product, shop.battery)) == 0
        kinds = db.session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
        assert kinds == ["receive", "issue"]


def test_two_technicians_taking_the_last_alarm_to_their_cars_at_once(app, factories, shop):
    """Both scan the same last alarm for their own car: one transfer, one clear conflict."""
    other_car = factories.store(shop.m, name="Teknikerbil 2", kind="local")
    device = factories.device(shop.alarm, shop.central, serial="LAST-1")

    def work(i, prepared):
        if prepared is None:
            return (_get(Store, shop.central), _get(Store, (shop.car, other_car)[i]))
        source, target = prepared
        return st.send_transfer(None, source, target, serials=["last-1"]).id

    outcomes = race(app, work, prepare=lambda i: work(i, None))
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes
    with app.app_context():
        d = db.session.get(Device, device.id)
        assert d.status == "in_transit"
        kinds = db.session.scalars(
            select(Movement.kind).where(Movement.device_id == device.id).order_by(Movement.id)
        ).all()
        assert kinds == ["receive", "transfer_out"]


def test_a_store_is_not_archived_while_a_transfer_to_it_is_sent(app, factories, shop, monkeypatch):
    """Archiving checks that nothing is under way, then saves. A transfer sent to the store in
    between must not leave an archived store with a delivery on its way: one of the two wins."""
    factories.device(shop.alarm, shop.central, serial="LATE-1")
    checked, sent = threading.Event(), threading.Event()
    original = stores._check_can_archive

    def check_then_dawdle(store):
        original(store)
        checked.set()
        sent.wait(2)  # the other technician presses «Send» now

    monkeypatch.setattr(stores, "_check_can_archive", check_then_dawdle)
    outcomes: list[object] = [None, None]

    def archive():
        with app.app_context():
            try:
                st.update_store(None, _get(Store, shop.car), is_active=False)
                db.session.commit()
                outcomes[0] = "archived"
            except ConflictError as exc:
                db.session.rollback()
                outcomes[0] = exc
            finally:
                db.session.remove()

    def send():
        with app.app_context():
            try:
                source, target = _get(Store, shop.central), _get(Store, shop.car)
                checked.wait(5)
                st.send_transfer(None, source, target, serials=["LATE-1"])
                db.session.commit()
                outcomes[1] = "sent"
            except ConflictError as exc:
                db.session.rollback()
                outcomes[1] = exc
            finally:
                sent.set()
                db.session.remove()

    threads = [threading.Thread(target=archive), threading.Thread(target=send)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(isinstance(o, str) for o in outcomes) == 1, outcomes
    with app.app_context():
        car = _get(Store, shop.car)
        under_way = db.session.scalar(
            select(func.count()).select_from(Transfer).where(Transfer.to_store_id == car.id)
        )
        device = db.session.scalar(select(Device).where(Device.serial_number == "LATE-1"))
        assert (car.is_active, under_way, device.status) in (
            (False, 0, "in_stock"),
            (True, 1, "in_transit"),
        )


def test_a_device_in_transit_is_in_neither_store(app, factories, shop):
    factories.device(shop.alarm, shop.central, serial="TR-1")
    dirty = factories.device(shop.alarm, shop.central, serial="TR-2")
    with app.app_context():
        central, car = _get(Store, shop.central), _get(Store, shop.car)
        eq.change_status(None, db.session.get(Device, dirty.id), "awaiting_reset")
        st.receive_consumables(None, central, _get(Product, shop.battery), 6)
        transfer = st.send_transfer(
            None,
            central,
            car,
            serials=["tr-1", " TR-2 "],
            quantities=[(_get(Product, shop.battery), "4")],
            note="Til bilen",
        )
        db.session.commit()
        level = q.level_for(central, _get(Product, shop.alarm))
        assert (level.available, level.awaiting_reset) == (0, 0)
        incoming = q.level_for(car, _get(Product, shop.alarm))
        assert (incoming.available, incoming.incoming) == (0, 2)
        assert st.balance(central, _get(Product, shop.battery)) == 2
        assert st.balance(car, _get(Product, shop.battery)) == 0

        st.receive_transfer(None, transfer)
        db.session.commit()
        arrived = q.level_for(car, _get(Product, shop.alarm))
        # Each device arrives as it left: ready stays ready, dirty still needs a reset.
        assert (arrived.available, arrived.awaiting_reset, arrived.incoming) == (1, 1, 0)
        assert db.session.get(Device, dirty.id).status == "awaiting_reset"
        assert st.balance(car, _get(Product, shop.battery)) == 4
        with pytest.raises(ConflictError, match="allerede mottatt"):
            st.receive_transfer(None, transfer)


def test_a_cancelled_transfer_goes_back_to_the_sending_store(app, factories, shop):
    device = factories.device(shop.alarm, shop.central, serial="BACK-1")
    with app.app_context():
        transfer = st.send_transfer(
            None, _get(Store, shop.central), _get(Store, shop.car), serials=["BACK-1"]
        )
        st.cancel_transfer(None, transfer)
        db.session.commit()
        d = db.session.get(Device, device.id)
        assert (d.status, d.store_id) == ("in_stock", shop.central.id)


def test_transfer_lines_are_checked_all_or_nothing(app, factories, shop):
    factories.device(shop.alarm, shop.central, serial="OK-1")
    elsewhere = factories.device(shop.alarm, shop.car, serial="CAR-1")
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            st.send_transfer(
                None, _get(Store, shop.central), _get(Store, shop.central), serials=["OK-1"]
            )
        assert "to_store_id" in refused.value.fields
        third = st.create_store(None, _get(Municipality, shop.m), name="Sykehjemmet")
        db.session.commit()
        with pytest.raises(ValidationError) as refused:
            st.send_transfer(
                None,
                _get(Store, shop.central),
                third,
                serials=["OK-1", "CAR-1", "NOPE-9", "ok-1"],
            )
        problems = refused.value.fields["serials"]
        assert any("Linje 2: CAR-1 står ikke på hylla" in p for p in problems), problems
        assert any("Linje 3: NOPE-9 er ikke registrert" in p for p in problems), problems
        assert any("Linje 4: OK-1 står også på linje 1" in p for p in problems), problems
        assert db.session.get(Device, elsewhere.id).status == "in_stock"
        assert db.session.scalar(select(func.count()).select_from(text("transfers"))) == 0


def test_an_archived_store_takes_nothing_and_a_full_store_cannot_be_archived(app, factories, shop):
    factories.device(shop.alarm, shop.central, serial="FULL-1")
    with app.app_context():
        central, car = _get(Store, shop.central), _get(Store, shop.car)
        with pytest.raises(ConflictError) as refused:
            st.update_store(None, central, is_active=False)
        assert refused.value.details["devices"] == 1
        st.update_store(None, car, is_active=False)
        db.session.commit()
        with pytest.raises(ConflictError, match="arkivert"):
            st.send_transfer(None, central, car, serials=["FULL-1"])
        with pytest.raises(ConflictError, match="arkivert"):
            st.receive_consumables(None, car, _get(Product, shop.battery), 3)
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "store.archive")
            )
            == 1
        )


@pytest.mark.parametrize(
    ("minimum", "target", "field"),
    [
        ("-1", None, "minimum"),
        ("2.5", None, "minimum"),
        ("fem", None, "minimum"),
        (3, 2, "reorder_target"),
    ],
)
def test_a_minimum_is_a_whole_number_of_zero_or_more(app, shop, minimum, target, field):
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            st.set_minimum(
                None,
                _get(Store, shop.central),
                _get(Product, shop.alarm),
                minimum=minimum,
                reorder_target=target,
            )
        assert field in refused.value.fields


def test_levels_and_the_shortfall_board_worst_first(app, factories, shop):
    for n in range(2):
        factories.device(shop.alarm, shop.central, serial=f"LV-{n}")
    technician = factories.user("technician", municipalities=[shop.m])
    with app.test_request_context():
        from vftops.auth.models import User

        central, car = _get(Store, shop.central), _get(Store, shop.car)
        alarm, battery = _get(Product, shop.alarm), _get(Product, shop.battery)
        st.set_minimum(None, central, alarm, minimum=4, reorder_target=6)
        st.set_minimum(None, car, alarm, minimum=1)  # empty car: worst
        st.set_minimum(None, central, battery, minimum=5)
        st.receive_consumables(None, central, battery, 5)  # exactly at minimum: fine
        order = st.create_order(None, central, alarm.supplier, lines=[(alarm, 3)])
        st.send_order(None, order)
        db.session.commit()
        short = q.shortfalls(db.session.get(User, technician.id))
        assert [(lv.store.name, lv.available, lv.minimum, lv.on_order) for lv in short] == [
            ("Teknikerbil", 0, 1, 0),
            ("Sentrallager", 2, 4, 3),
        ]
        assert short[1].to_order == 1  # target 6 − 2 available − 3 on order


def test_a_shared_store_is_seen_by_every_municipality_it_serves(app, factories):
    owner = factories.municipality(name="Stjørdal", number="5035")
    partner = factories.municipality(name="Meråker", number="5034")
    stranger = factories.municipality(name="Levanger", number="5037")
    admin = factories.user("admin", municipalities=[owner, partner])
    with app.test_request_context():
        from vftops.auth.models import User

        actor = db.session.get(User, admin.id)
        store = st.create_store(
            actor,
            db.session.get(Municipality, owner.id),
            name="Værnesregionens lager",
            shared_with_ids=[partner.id],
        )
        db.session.commit()
        store_id = store.id
        with pytest.raises(ValidationError, match="kommuner du jobber i"):
            st.create_store(
                actor,
                db.session.get(Municipality, owner.id),
                name="Annet",
                shared_with_ids=[stranger.id],
            )
        db.session.rollback()
    seen = {}
    for m in (owner, partner, stranger):
        user = factories.user("manager", municipalities=[m])
        with app.test_request_context():
            from vftops.auth.models import User

            names = [s.id for s in db.session.scalars(q.stores_for(db.session.get(User, user.id)))]
            seen[m.name] = store_id in names
    assert seen == {"Stjørdal": True, "Meråker": True, "Levanger": False}


def test_a_meraker_device_can_live_in_the_shared_store(app, factories):
    owner = factories.municipality(name="Stjørdal", number="5035")
    partner = factories.municipality(name="Meråker", number="5034")
    product = factories.product()
    with app.app_context():
        store = st.create_store(
            None,
            db.session.get(Municipality, owner.id),
            name="Felleslager",
            shared_with_ids=[partner.id],
        )
        own = st.create_store(None, db.session.get(Municipality, partner.id), name="Meråker lager")
        db.session.flush()
        device = eq.register_device(
            None, product=db.session.get(Product, product.id), store=own, serial_number="MER-1"
        )
        transfer = st.send_transfer(None, own, store, serials=["MER-1"])
        st.receive_transfer(None, transfer)
        db.session.commit()
        assert (device.store_id, device.municipality_id) == (store.id, partner.id)
        # Meråker cannot leave the shared store while its devices are in it.
        with pytest.raises(ConflictError, match="ligger fortsatt på dette lageret"):
            st.update_store(None, store, shared_with_ids=[])


def test_a_device_in_repair_counts_only_in_a_store_that_serves_it(app, factories, shop):
    """In repair, a device still counts in the store it comes back to: that store must serve
    the device's municipality and be in use, as for any other move into a store."""
    other = factories.municipality(name="Meråker", number="5034")
    foreign = factories.store(other, name="Meråker lager")
    device = factories.device(shop.alarm, shop.central, serial="REP-1")
    with app.app_context():
        alarm = _get(Product, shop.alarm)
        with pytest.raises(ValidationError, match="en annen kommune"):
            eq.change_status(
                None,
                db.session.get(Device, device.id),
                "in_repair",
                store=_get(Store, foreign),
            )
        db.session.rollback()
        st.update_store(None, _get(Store, shop.car), is_active=False)
        db.session.commit()
        with pytest.raises(ConflictError, match="arkivert"):
            eq.change_status(
                None, db.session.get(Device, device.id), "in_repair", store=_get(Store, shop.car)
            )
        db.session.rollback()
        assert q.level_for(_get(Store, foreign), alarm).in_repair == 0
        eq.change_status(None, db.session.get(Device, device.id), "in_repair")
        db.session.commit()
        assert q.level_for(_get(Store, shop.central), alarm).in_repair == 1


def test_ordering_receiving_in_parts_and_more_than_ordered(app, factories, shop):
    existing = factories.device(shop.alarm, shop.car, serial="DUP-1")
    with app.app_context():
        central = _get(Store, shop.central)
        alarm, battery = _get(Product, shop.alarm), _get(Product, shop.battery)
        order = st.create_order(
            None,
            central,
            alarm.supplier,
            lines=[(alarm, 3, "2490.00"), (battery, 20)],
            agreement_ref="RA-2025-17",
        )
        db.session.commit()
        number = f"{central.municipality.number}-{local_today().year}-0001"
        assert (order.status, order.number) == ("draft", number)
        with pytest.raises(ConflictError, match="Send bestillingen"):
            st.receive_order(None, order, quantities={order.lines[1].id: 5})
        st.send_order(None, order)
        db.session.commit()
        assert order.expected_on == local_today() + timedelta(days=14)
        alarm_line, battery_line = order.lines
        # A serial that exists already: refused and named, nothing received.
        with pytest.raises(ValidationError) as refused:
            st.receive_order(
                None,
                order,
                serials={alarm_line.id: ["NEW-1", "dup-1"]},
                quantities={battery_line.id: 5},
            )
        assert refused.value.fields[f"line-{alarm_line.id}"] == [
            "Linje 2: DUP-1 er allerede registrert."
        ]
        db.session.rollback()
        assert db.session.scalar(select(func.count(Device.id))) == 1 + 0 * existing.id
        assert st.balance(central, battery) == 0
        # Part of it now.
        st.receive_order(
            None,
            order,
            serials={alarm_line.id: ["NEW-1", "NEW-2"]},
            quantities={battery_line.id: "5"},
        )
        db.session.commit()
        assert order.status == "partly_received"
        level = q.level_for(central, alarm)
        assert (level.available, level.on_order) == (2, 1)
        # More than ordered needs a reason.
        with pytest.raises(ValidationError) as refused:
            st.receive_order(
                None,
                order,
                serials={alarm_line.id: ["NEW-3", "NEW-4"]},
                quantities={battery_line.id: 15},
            )
        assert refused.value.details == {"over": {alarm_line.id: 1}}
        assert "reason" in refused.value.fields
        db.session.rollback()
        st.receive_order(
            None,
            order,
            serials={alarm_line.id: ["NEW-3", "NEW-4"]},
            quantities={battery_line.id: 15},
            reason="Leverandøren sendte en ekstra",
        )
        db.session.commit()
        assert order.status == "received"
        assert [(line.quantity, line.received_quantity) for line in order.lines] == [
            (3, 4),
            (20, 20),
        ]
        assert st.balance(central, battery) == 20
        reasons = db.session.scalars(
            select(Movement.reason).join(Device).where(Device.serial_number == "NEW-4")
        ).all()
        assert reasons == [f"Bestilling {order.number}: Leverandøren sendte en ekstra"]
        with pytest.raises(ConflictError):
            st.receive_order(None, order, quantities={battery_line.id: 1})


def test_order_the_shortfall_fills_up_to_the_target_on_one_draft(app, factories, shop):
    factories.device(shop.alarm, shop.central, serial="SF-1")
    with app.app_context():
        central = _get(Store, shop.central)
        alarm, battery = _get(Product, shop.alarm), _get(Product, shop.battery)
        st.set_minimum(None, central, alarm, minimum=3, reorder_target=5)
        st.set_minimum(None, central, battery, minimum=10)
        first = st.order_shortfall(None, central, alarm)
        second = st.order_shortfall(None, central, battery)
        db.session.commit()
        assert first.id == second.id
        assert [(line.product.model, line.quantity) for line in second.lines] == [
            ("Lifeline Vi+", 4),
            ("CR2-batteri", 10),
        ]
        assert second.expected_on == local_today() + timedelta(days=14)


def test_suggested_minimum_from_installed_base_failures_and_lead_time(app, factories, shop):
    """20 alarms out from this store, 4 failed this year (1 last year): lead time 30 days.

    expected = 20 × (4/20 per year) × 30/365 = 0.33; margin = 1.65 × √0.33 = 0.95;
    suggested = ⌈1.28⌉ = 2.
    """
    now = utcnow()
    with app.app_context():
        from vftops.suppliers.models import Supplier

        db.session.get(Supplier, shop.supplier_id).lead_time_days = 30
        db.session.commit()
    recipient = factories.recipient(shop.m)
    with app.app_context():
        central = _get(Store, shop.central)
        alarm = _get(Product, shop.alarm)
        person = db.session.get(Recipient, recipient.id)
        placements = []
        for n in range(25):
            device = eq.register_device(
                None,
                product=alarm,
                store=central,
                serial_number=f"BASE-{n}",
                received_at=now - timedelta(days=500),
            )
            placements.append(
                eq.install(
                    None, device, person, installed_at=now - timedelta(days=450), confirmed=True
                )
            )
        for n, placement in enumerate(placements[:5]):
            days_ago = 400 if n == 0 else 30 * n
            eq.return_device(
                None,
                placement,
                reason="faulty",
                destination="repair",
                returned_at=now - timedelta(days=days_ago),
            )
        db.session.commit()
        s = q.suggestion(central, alarm)
        assert (s.installed_base, s.failures, s.lead_time_days) == (20, 4, 30)
        assert s.lead_time_is_default is False
        assert round(float(s.expected_in_lead_time), 2) == 0.33
        assert round(float(s.safety), 2) == 0.95
        assert s.suggested == 2
        row = st.accept_suggestion(None, central, alarm)
        db.session.commit()
        assert row.minimum == 2
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stock_minimum.accept")
        ).one()
        assert event.changes["inputs"]["after"]["failures_12_months"] == 4


def test_idle_leased_devices_cost_rent_now_and_over_the_year(app, factories, shop):
    """Leased at 300 kr a month: 40 days on the shelf, 40 days out, 20 days back on the shelf."""
    now = utcnow()
    leased = factories.product("safety_alarm", model="Leid alarm", monthly_rent="300.00")
    recipient = factories.recipient(shop.m)
    with app.app_context():
        central = _get(Store, shop.central)
        product = db.session.get(Product, leased.id)
        device = eq.register_device(
            None,
            product=product,
            store=central,
            serial_number="LEASE-1",
            ownership="leased",
            received_at=now - timedelta(days=100),
        )
        owned = eq.register_device(None, product=product, store=central, serial_number="OWN-1")
        placement = eq.install(
            None,
            device,
            db.session.get(Recipient, recipient.id),
            installed_at=now - timedelta(days=60),
        )
        eq.return_device(
            None,
            placement,
            reason="service_ended",
            destination="store",
            store=central,
            checklist=["all"],
            returned_at=now - timedelta(days=20),
        )
        db.session.commit()
        assert owned.ownership == "owned"
        costs = q.idle_costs([central.id], now=now)
        assert len(costs) == 1
        row = costs[0]
        assert (row.idle_now, row.cost_per_month) == (1, Decimal("300.00"))
        assert round(row.idle_days_12_months) == 60
        assert row.cost_12_months == (
            Decimal(300) * row.idle_days_12_months / Decimal("30.44")
        ).quantize(Decimal("0.01"))
        assert Decimal("590") < row.cost_12_months < Decimal("592")


def test_a_count_turns_differences_into_ledger_lines(app, factories, shop):
    found = factories.device(shop.alarm, shop.central, serial="CNT-A")
    missing = factories.device(shop.alarm, shop.central, serial="CNT-B")
    missing_kept = factories.device(shop.alarm, shop.central, serial="CNT-C")
    astray = factories.device(shop.alarm, shop.car, serial="CNT-D")
    installed = factories.device(shop.alarm, shop.central, serial="CNT-F")
    factories.placement(installed, factories.recipient(shop.m))
    with app.app_context():
        central = _get(Store, shop.central)
        battery = _get(Product, shop.battery)
        st.receive_consumables(None, central, battery, 10)
        count = st.start_count(None, central)
        db.session.commit()
        with pytest.raises(ConflictError, match="pågår allerede"):
            st.start_count(None, central)
        db.session.rollback()
        assert st.add_count_scans(None, count, ["cnt-a", "CNT-D", "CNT-E", "CNT-F"]) == {
            "added": 4,
            "repeated": 0,
        }
        assert st.add_count_scans(None, count, ["CNT-A"]) == {"added": 0, "repeated": 1}
        st.set_count_quantity(None, count, battery, 8)
        db.session.commit()
        result = q.count_result(count)
        assert [d.serial_number for d in result.found] == ["CNT-A"]
        assert [d.serial_number for d in result.missing] == ["CNT-B", "CNT-C"]
        assert [d.serial_number for d in result.movable] == ["CNT-D"]
        assert [d.serial_number for d in result.report_only] == ["CNT-F"]
        assert result.unknown == ["CNT-E"]
        assert [(d.expected, d.counted) for d in result.quantities] == [(10, 8)]
        summary = st.confirm_count(
            None, count, lost_device_ids=[missing.id], reason="Årlig telling"
        )
        db.session.commit()
        assert summary == {"moved": 1, "lost": 1, "adjusted": 1}
        status = {
            d.serial_number: (d.status, d.store_id) for d in db.session.scalars(select(Device))
        }
        assert status["CNT-A"] == ("in_stock", central.id)
        assert status["CNT-B"] == ("lost", None)
        assert status["CNT-C"] == ("in_stock", central.id)  # not ticked: left as it was
        assert status["CNT-D"] == ("in_stock", central.id)
        assert status["CNT-F"][0] == "installed"
        assert st.balance(central, battery) == 8
        adjust = db.session.scalars(
            select(StockMovement).where(StockMovement.kind == "adjust")
        ).one()
        assert (adjust.quantity, adjust.reason, adjust.count_id) == (-2, "Årlig telling", count.id)
        assert found.id
        assert missing_kept.id
        assert astray.id


def test_a_quantity_counted_while_the_count_is_confirmed_is_refused(app, shop):
    """One technician saves a counted quantity just as the other confirms the count: the late
    figure would never reach the ledger, so it is refused, not silently kept."""
    from vftops.stock.models import StockCount, StockCountQuantity

    with app.app_context():
        central = _get(Store, shop.central)
        st.receive_consumables(None, central, _get(Product, shop.battery), 10)
        count_id = st.start_count(None, central).id
        db.session.commit()
    confirmed = threading.Event()
    outcome: list[object] = [None]

    def count_batteries():
        with app.app_context():
            try:
                count = db.session.get(StockCount, count_id)  # the page is open
                battery = _get(Product, shop.battery)
                confirmed.wait(5)
                st.set_count_quantity(None, count, battery, 7)
                db.session.commit()
                outcome[0] = "saved"
            except ConflictError as exc:
                db.session.rollback()
                outcome[0] = exc
            finally:
                db.session.remove()

    counter = threading.Thread(target=count_batteries)
    counter.start()
    with app.app_context():
        st.confirm_count(None, db.session.get(StockCount, count_id))
        db.session.commit()
    confirmed.set()
    counter.join(30)
    assert isinstance(outcome[0], ConflictError), outcome
    with app.app_context():
        assert db.session.scalar(select(func.count(StockCountQuantity.id))) == 0
        assert st.balance(_get(Store, shop.central), _get(Product, shop.battery)) == 10


def test_a_count_of_an_archived_store_moves_nothing_into_it(app, factories, shop):
    """A count on the (empty) car finds an alarm registered in the central store. If the car is
    archived meanwhile, confirming must not move the alarm into an archived store."""
    factories.device(shop.alarm, shop.central, serial="CNT-ARC")
    with app.app_context():
        car = _get(Store, shop.car)
        count = st.start_count(None, car)
        st.add_count_scans(None, count, ["CNT-ARC"])
        st.update_store(None, car, is_active=False)
        db.session.commit()
        with pytest.raises(ConflictError, match="arkivert"):
            st.confirm_count(None, count)
        db.session.rollback()
        device = db.session.scalar(select(Device).where(Device.serial_number == "CNT-ARC"))
        assert (device.store_id, device.status) == (shop.central.id, "in_stock")
        st.cancel_count(None, count)
        db.session.commit()
        assert count.status == "cancelled"


def test_available_history_walks_back_through_the_ledger(app, factories, shop):
    now = utcnow()
    recipient = factories.recipient(shop.m)
    with app.app_context():
        central = _get(Store, shop.central)
        alarm = _get(Product, shop.alarm)
        devices = [
            eq.register_device(
                None,
                product=alarm,
                store=central,
                serial_number=f"H-{n}",
                received_at=now - timedelta(days=days),
            )
            for n, days in enumerate((10, 10, 5))
        ]
        eq.install(
            None,
            devices[0],
            db.session.get(Recipient, recipient.id),
            installed_at=now - timedelta(days=2),
        )
        st.set_minimum(None, central, alarm, minimum=2)
        db.session.commit()
        series = dict(q.available_history(central, alarm, days=12))
        today = local_today()
        assert series[today - timedelta(days=11)] == 0
        assert series[today - timedelta(days=10)] == 2
        assert series[today - timedelta(days=5)] == 3
        assert series[today - timedelta(days=2)] == 2
        assert series[today] == 2


def test_counted_quantities_are_saved_all_or_none(app, factories, shop):
    """Two consumables counted, one typed wrong: neither is saved, and the wrong one is named."""
    straps = factories.product("other", model="Armbånd", is_serialised=False)
    with app.app_context():
        from vftops.stock.models import StockCountQuantity

        central = _get(Store, shop.central)
        battery, strap = _get(Product, shop.battery), db.session.get(Product, straps.id)
        count = st.start_count(None, central)
        db.session.commit()
        with pytest.raises(ValidationError) as refused:
            st.set_count_quantities(None, count, [(battery, "8"), (strap, "-1")])
        assert list(refused.value.fields) == [f"counted-{strap.id}"]
        db.session.commit()
        assert db.session.scalar(select(func.count(StockCountQuantity.id))) == 0
        st.set_count_quantities(None, count, [(battery, "8"), (strap, "3")])
        db.session.commit()
        saved = db.session.execute(
            select(StockCountQuantity.product_id, StockCountQuantity.counted)
        ).all()
        assert sorted(saved) == sorted([(battery.id, 8), (strap.id, 3)])


def test_the_board_sends_from_a_store_above_its_minimum_before_it_orders(app, factories, shop):
    """The central store holds 10 alarms (minimum 4): 6 to spare. The nursing home lacks 5
    and the car 3: the worse row gets 5, the car the last 1 and an order for 2. Another
    municipality's full store is never offered; a consumable is sent the same way."""
    nursing = factories.store(shop.m, name="Sykehjemmet", kind="local")
    other = factories.municipality(name="Levanger", number="5037")
    foreign = factories.store(other, name="Levanger lager")
    for n in range(10):
        factories.device(shop.alarm, shop.central, serial=f"C-{n}")
    for n in range(20):
        factories.device(shop.alarm, foreign, serial=f"L-{n}")
    technician = factories.user("technician", municipalities=[shop.m, other])
    with app.test_request_context():
        from vftops.auth.models import User

        central, car = _get(Store, shop.central), _get(Store, shop.car)
        home = _get(Store, nursing)
        alarm, battery = _get(Product, shop.alarm), _get(Product, shop.battery)
        st.set_minimum(None, central, alarm, minimum=4)
        st.set_minimum(None, home, alarm, minimum=5)
        st.set_minimum(None, car, alarm, minimum=2, reorder_target=3)
        st.receive_consumables(None, central, battery, 20)
        st.set_minimum(None, central, battery, minimum=5)
        st.set_minimum(None, car, battery, minimum=10)
        db.session.commit()
        user = db.session.get(User, technician.id)

        plan = {
            (lv.store.name, lv.product.model): (
                [(s.name, n) for s, n in lv.transfer_from],
                lv.order_after_transfers,
            )
            for lv in q.shortfalls(user)
        }
        assert plan == {
            ("Sykehjemmet", "Lifeline Vi+"): ([("Sentrallager", 5)], 0),
            ("Teknikerbil", "Lifeline Vi+"): ([("Sentrallager", 1)], 2),
            ("Teknikerbil", "CR2-batteri"): ([("Sentrallager", 10)], 0),
        }

        # «Order the rest» orders only what no store can send ...
        order = st.order_shortfall(user, car, alarm)
        assert [(line.product.model, line.quantity) for line in order.lines] == [
            ("Lifeline Vi+", 2)
        ]
        # ... and nothing where the transfers cover it, saying from where.
        with pytest.raises(ConflictError) as refused:
            st.order_shortfall(user, home, alarm)
        assert "Sentrallager (5)" in str(refused.value.message)
        assert refused.value.details == {"transfer_from": [{"store_id": central.id, "quantity": 5}]}
        db.session.rollback()

        # Once sent, the transfer is on its way: the board no longer asks for it.
        st.send_transfer(
            None, central, home, serials=[f"C-{n}" for n in range(5)], note="Fra tavla"
        )
        db.session.commit()
        plan = {
            (lv.store.name, lv.product.model): [(s.name, n) for s, n in lv.transfer_from]
            for lv in q.shortfalls(user)
        }
        assert plan[("Sykehjemmet", "Lifeline Vi+")] == []
        # The central store keeps 5 for its minimum of 4: the car still gets the one.
        assert plan[("Teknikerbil", "Lifeline Vi+")] == [("Sentrallager", 1)]


def test_a_shared_store_sends_only_devices_the_receiving_store_may_hold(app, factories, shop):
    """A shared store holds 3 of Stjørdal's and 4 of Meråker's alarms. Meråker's own store
    is short 6: only Meråker's 4 are offered, and Stjørdal's car gets Stjørdal's 3."""
    from vftops.equipment.models import Device

    partner = factories.municipality(name="Meråker", number="5034")
    own = factories.store(partner, name="Meråker lager", kind="local")
    admin = factories.user("admin", municipalities=[shop.m, partner])
    with app.test_request_context():
        from vftops.auth.models import User

        actor = db.session.get(User, admin.id)
        shared = st.create_store(
            actor,
            db.session.get(Municipality, shop.m.id),
            name="Værnesregionens lager",
            shared_with_ids=[partner.id],
        )
        db.session.commit()
        shared_id = shared.id
    for n in range(7):
        factories.device(shop.alarm, SimpleNamespace(id=shared_id), serial=f"V-{n}")
    with app.test_request_context():
        from vftops.auth.models import User

        for device in db.session.scalars(
            select(Device).where(Device.serial_number.in_([f"V-{n}" for n in range(3, 7)]))
        ):
            device.municipality_id = partner.id
        alarm = _get(Product, shop.alarm)
        st.set_minimum(None, db.session.get(Store, own.id), alarm, minimum=6)
        st.set_minimum(None, _get(Store, shop.car), alarm, minimum=5)
        db.session.commit()
        short = q.shortfalls(db.session.get(User, admin.id))
        plan = {lv.store.name: [(s.name, n) for s, n in lv.transfer_from] for lv in short}
        assert plan == {
            "Meråker lager": [("Værnesregionens lager", 4)],
            "Teknikerbil": [("Værnesregionens lager", 3)],
        }


def test_what_one_store_can_spare_is_planned_the_same_wherever_it_is_asked(app, factories, shop):
    """The central store can spare 3; the empty nursing home gets them, the car orders 3.
    Asked about the car alone (the API filtered to it, «order the shortfall» for it),
    the answer is the board's, not a second share of the same 3. A car without a minimum
    and a device chosen for a planned job are never spare."""
    from vftops.equipment.models import Recipient

    home = factories.store(shop.m, name="Sykehjem", kind="local")
    other_car = factories.store(shop.m, name="Teknikerbil 2", kind="local")
    for n in range(4):
        factories.device(shop.alarm, shop.central, serial=f"C-{n}")
    for n in range(5):
        factories.device(shop.alarm, other_car, serial=f"K-{n}")
    recipient = factories.recipient(shop.m, name="Kari Planlagt")
    admin = factories.user("admin", municipalities=[shop.m])
    with app.test_request_context():
        from vftops.auth.models import User

        alarm = _get(Product, shop.alarm)
        central, car = _get(Store, shop.central), _get(Store, shop.car)
        st.set_minimum(None, central, alarm, minimum=0)
        st.set_minimum(None, _get(Store, home), alarm, minimum=3)  # empty: the worst
        st.set_minimum(None, car, alarm, minimum=2, reorder_target=3)
        user = db.session.get(User, admin.id)
        # C-0 is chosen for tomorrow's install: the central store has 3 to spare, not 4.
        eq.plan_visit(
            None,
            db.session.get(Recipient, recipient.id),
            kind="install",
            assigned_to=user,
            planned_on=local_today() + timedelta(days=1),
            device=db.session.scalars(select(Device).where(Device.serial_number == "C-0")).one(),
        )
        db.session.commit()

        board = {
            lv.store.name: ([(s.name, n) for s, n in lv.transfer_from], lv.order_after_transfers)
            for lv in q.shortfalls(user)
        }
        assert board == {
            "Sykehjem": ([("Sentrallager", 3)], 0),
            "Teknikerbil": ([], 3),  # Teknikerbil 2 has 5 but no minimum: it keeps them
        }
        assert q.refill_plan(user, car, alarm).order_after_transfers == 3
        order = st.order_shortfall(user, car, alarm)
        assert [line.quantity for line in order.lines] == [3]
        db.session.rollback()

    client = factories.api(admin)
    rows = client.get(f"/api/v1/stock?below_minimum=true&store_id={shop.car.id}").get_json()
    assert [(r["transfer_from"], r["order_after_transfers"]) for r in rows["items"]] == [([], 3)]


def test_a_transfer_is_planned_from_what_the_shelf_counts_for_the_product(app, factories, shop):
    """A product changed from serialised to counted with ten devices still on the central
    shelf: the board counts its balance, as the store page does, and offers the three
    counted there, not the ten devices it no longer counts."""
    for n in range(10):
        factories.device(shop.alarm, shop.central, serial=f"C-{n}")
    admin = factories.user("admin", municipalities=[shop.m])
    with app.test_request_context():
        from vftops.auth.models import User

        central, car = _get(Store, shop.central), _get(Store, shop.car)
        alarm = _get(Product, shop.alarm)
        eq.update_product(None, alarm, is_serialised=False)
        st.receive_consumables(None, central, alarm, 3)
        st.set_minimum(None, car, alarm, minimum=10)
        db.session.commit()
        user = db.session.get(User, admin.id)
        board = {
            lv.store.name: ([(s.name, n) for s, n in lv.transfer_from], lv.order_after_transfers)
            for lv in q.shortfalls(user)
        }
        assert board == {"Teknikerbil": ([("Sentrallager", 3)], 7)}
