"""The store's JSON API, as an integration or a technician's app uses it: stores, levels,
minimums, the consumable ledger, transfers and purchase orders."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, race_requests
from vftops.core.audit import AuditEvent
from vftops.core.models import local_today
from vftops.equipment.models import Device
from vftops.extensions import db
from vftops.stock.models import StockMovement


@pytest.fixture
def world(app, factories):
    """Stjørdal (A) with a central store and a technician's van; Meråker (B) with its own
    store and a joint store it shares with Stjørdal. One alarm and one battery in the
    catalogue, both from a supplier with 30 days' lead time."""
    from vftops.org.models import Municipality
    from vftops.stock.operations import create_store
    from vftops.suppliers.operations import create_supplier

    a = factories.municipality(name="Stjørdal", number="5035")
    b = factories.municipality(name="Meråker", number="5034")
    with app.app_context():
        supplier = create_supplier(None, name="Tunstall AS", lead_time_days=30)
        db.session.commit()
        supplier_id = supplier.id
    alarm = factories.product("safety_alarm", model="Lifeline Vi+", supplier_id=supplier_id)
    battery = factories.product(
        "other",
        manufacturer="Varta",
        model="CR2 batteri",
        is_serialised=False,
        supplier_id=supplier_id,
    )
    central = factories.store(a, name="Sentrallager")
    van = factories.store(a, name="Teknikerbil", kind="local")
    store_b = factories.store(b, name="Lager Meråker")
    with app.app_context():
        joint = create_store(
            None,
            db.session.get(Municipality, b.id),
            name="Værnes felleslager",
            shared_with_ids=[a.id],
        )
        db.session.commit()
        joint = SimpleNamespace(id=joint.id, name=joint.name)
    return SimpleNamespace(
        a=a,
        b=b,
        supplier_id=supplier_id,
        alarm=alarm,
        battery=battery,
        central=central,
        van=van,
        store_b=store_b,
        joint=joint,
    )


@pytest.fixture
def tech(app, factories, world):
    """A technician of Stjørdal only."""
    return factories.api(factories.user("technician", municipalities=[world.a]))


@pytest.fixture
def buyer(app, factories, world):
    """Procurement in Stjørdal only: stores, minimums and orders, but no stock moves."""
    return factories.api(factories.user("procurement", municipalities=[world.a]))


@pytest.fixture
def tech_b(app, factories, world):
    """A technician of Meråker only."""
    return factories.api(factories.user("technician", municipalities=[world.b]))


def _receive(app, store, product, quantity):
    """Consumables delivered to a store, through the operation."""
    from vftops.equipment.models import Product, Store
    from vftops.stock.operations import receive_consumables

    with app.app_context():
        receive_consumables(
            None,
            db.session.get(Store, store.id),
            db.session.get(Product, product.id),
            quantity,
            reason="Levering",
        )
        db.session.commit()


def _level(client, store, product) -> dict:
    items = client.get(f"/api/v1/stock?store_id={store.id}&product_id={product.id}").get_json()[
        "items"
    ]
    assert len(items) <= 1
    return items[0] if items else {}


def _device_id(app, serial) -> int:
    with app.app_context():
        return db.session.scalar(select(Device.id).where(Device.serial_number == serial))


def _ledger_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(StockMovement.id)))


def _error(response) -> dict:
    return response.get_json()["error"]


# --- stores ---------------------------------------------------------------------------


def test_stores_are_created_in_own_municipality_and_shared_ones_are_listed(
    app, factories, tech, buyer, tech_b, world
):
    """Procurement creates a store in Stjørdal; Meråker is out of reach; the joint store shows."""
    created = buyer.post(
        "/api/v1/stores",
        json={
            "municipality_id": world.a.id,
            "name": " Teknikerbil 2 ",
            "kind": "local",
            "address": "Kjøpmannsgata 12",
        },
    )
    assert created.status_code == 201
    store = created.get_json()
    assert store["name"] == "Teknikerbil 2"
    assert store["municipality"] == {"id": world.a.id, "name": "Stjørdal"}
    assert store["kind"] == "local"
    assert store["is_active"] is True
    assert store["shared_with"] == []

    foreign = buyer.post("/api/v1/stores", json={"municipality_id": world.b.id, "name": "X"})
    assert foreign.status_code == 404
    again = buyer.post(
        "/api/v1/stores", json={"municipality_id": world.a.id, "name": "sentrallager"}
    )
    assert again.status_code == 409
    assert "name" in _error(again)["fields"]
    share_foreign = buyer.post(
        "/api/v1/stores",
        json={"municipality_id": world.a.id, "name": "Felles", "shared_with_ids": [world.b.id]},
    )
    assert share_foreign.status_code == 422
    assert "shared_with_ids" in _error(share_foreign)["fields"]
    it = factories.api(factories.user("it", municipalities=[world.a]))
    refused = it.post("/api/v1/stores", json={"municipality_id": world.a.id, "name": "Y"})
    assert refused.status_code == 403

    names = [s["name"] for s in tech.get("/api/v1/stores").get_json()["items"]]
    assert sorted(names) == ["Sentrallager", "Teknikerbil", "Teknikerbil 2", "Værnes felleslager"]
    joint = tech.get(f"/api/v1/stores/{world.joint.id}").get_json()
    assert joint["municipality"]["name"] == "Meråker"
    assert joint["shared_with"] == [{"id": world.a.id, "name": "Stjørdal"}]
    assert tech.get(f"/api/v1/stores/{world.store_b.id}").status_code == 404
    local = tech.get("/api/v1/stores?kind=local").get_json()["items"]
    assert sorted(s["name"] for s in local) == ["Teknikerbil", "Teknikerbil 2"]
    serving_b = tech.get(f"/api/v1/stores?municipality_id={world.b.id}").get_json()["items"]
    assert [s["name"] for s in serving_b] == ["Værnes felleslager"]
    assert [s["name"] for s in tech_b.get("/api/v1/stores").get_json()["items"]] == [
        "Lager Meråker",
        "Værnes felleslager",
    ]


def test_store_patch_guards_the_version_and_archiving_needs_an_empty_store(app, tech, buyer, world):
    """A stale save answers 409; archiving a store with stock names what is still there."""
    _receive(app, world.van, world.battery, 6)
    store = buyer.get(f"/api/v1/stores/{world.van.id}").get_json()
    renamed = buyer.patch(
        f"/api/v1/stores/{world.van.id}",
        json={"name": "Teknikerbil 1", "version": store["version"]},
    )
    assert renamed.status_code == 200
    assert renamed.get_json()["name"] == "Teknikerbil 1"
    stale = buyer.patch(
        f"/api/v1/stores/{world.van.id}", json={"note": "x", "version": store["version"]}
    )
    assert stale.status_code == 409
    assert _error(stale)["details"] == {"current_version": store["version"] + 1}

    refused = buyer.patch(f"/api/v1/stores/{world.van.id}", json={"is_active": False})
    assert refused.status_code == 409
    assert _error(refused)["details"] == {
        "devices": 0,
        "consumables": 6,
        "transfers": 0,
        "orders": 0,
    }
    assert "is_active" in _error(refused)["fields"]
    assert buyer.get(f"/api/v1/stores/{world.van.id}").get_json()["is_active"] is True

    emptied = tech.post(
        "/api/v1/stock-movements/issue",
        json={
            "store_id": world.van.id,
            "product_id": world.battery.id,
            "quantity": 6,
            "reason": "Flyttet",
        },
    )
    assert emptied.status_code == 201
    archived = buyer.patch(f"/api/v1/stores/{world.van.id}", json={"is_active": False})
    assert archived.status_code == 200
    assert archived.get_json()["is_active"] is False
    assert [s["id"] for s in buyer.get("/api/v1/stores?is_active=false").get_json()["items"]] == [
        world.van.id
    ]
    # The joint store belongs to Meråker and is run together: Stjørdal keeps it up too,
    # but cannot share it with a municipality it does not work in.
    joint = buyer.patch(
        f"/api/v1/stores/{world.joint.id}",
        json={"note": "Nøkkel i resepsjonen", "shared_with_ids": [world.a.id]},
    )
    assert joint.status_code == 200
    assert joint.get_json()["note"] == "Nøkkel i resepsjonen"
    assert joint.get_json()["municipality"]["name"] == "Meråker"


# --- levels ---------------------------------------------------------------------------


def _sent_order(app, store, product, quantity, *, expected_on=None):
    from vftops.equipment.models import Product, Store
    from vftops.stock import operations as st
    from vftops.suppliers.models import Supplier

    with app.app_context():
        product_row = db.session.get(Product, product.id)
        order = st.create_order(
            None,
            db.session.get(Store, store.id),
            db.session.get(Supplier, product_row.supplier_id),
            lines=[(product_row, quantity)],
            expected_on=expected_on,
        )
        st.send_order(None, order)
        db.session.commit()
        return order.id


def test_stock_levels_show_what_is_short_and_what_is_on_its_way(app, factories, tech, buyer, world):
    """Two alarms on the shelf, one awaiting reset, three on order, minimum four: short by two."""
    for serial in ("A-1", "A-2", "A-3"):
        factories.device(world.alarm, world.central, serial=serial)
    returned = tech.post(
        f"/api/v1/devices/{_device_id(app, 'A-3')}/status",
        json={"to_status": "awaiting_reset", "reason": "Retur"},
    )
    assert returned.status_code == 200, returned.get_json()
    _receive(app, world.central, world.battery, 10)
    _receive(app, world.store_b, world.battery, 99)
    _sent_order(app, world.central, world.alarm, 3)
    assert (
        buyer.post(
            "/api/v1/stock-minimums",
            json={
                "store_id": world.central.id,
                "product_id": world.alarm.id,
                "minimum": 4,
                "reorder_target": 8,
            },
        ).status_code
        == 201
    )
    buyer.post(
        "/api/v1/stock-minimums",
        json={"store_id": world.central.id, "product_id": world.battery.id, "minimum": 5},
    )

    rows = tech.get(f"/api/v1/stock?store_id={world.central.id}").get_json()["items"]
    by_product = {r["product"]["name"]: r for r in rows}
    assert set(by_product) == {"Tunstall Lifeline Vi+", "Varta CR2 batteri"}
    alarm = by_product["Tunstall Lifeline Vi+"]
    assert {k: alarm[k] for k in alarm if k not in ("store", "product", "minimum_id")} == {
        "available": 2,
        "awaiting_reset": 1,
        "in_repair": 0,
        "incoming": 0,
        "on_order": 3,
        "minimum": 4,
        "reorder_target": 8,
        "shortfall": 2,
        "to_order": 3,
        "transfer_from": [],
        "order_after_transfers": 3,
    }
    assert alarm["store"]["name"] == "Sentrallager"
    assert alarm["product"]["is_serialised"] is True
    battery = by_product["Varta CR2 batteri"]
    assert (battery["available"], battery["minimum"], battery["shortfall"]) == (10, 5, 0)

    short = tech.get("/api/v1/stock?below_minimum=true").get_json()["items"]
    assert [(r["store"]["name"], r["product"]["name"]) for r in short] == [
        ("Sentrallager", "Tunstall Lifeline Vi+")
    ]
    # Meråker's 99 batteries are not Stjørdal's business.
    batteries = tech.get(f"/api/v1/stock?product_id={world.battery.id}").get_json()["items"]
    assert [(r["store"]["name"], r["available"]) for r in batteries] == [("Sentrallager", 10)]
    assert tech.get(f"/api/v1/stock?store_id={world.store_b.id}").get_json()["items"] == []

    first = tech.get("/api/v1/stock?limit=1").get_json()
    assert len(first["items"]) == 1
    assert first["limit"] == 1
    second = tech.get(f"/api/v1/stock?limit=1&cursor={first['next_cursor']}").get_json()
    assert second["next_cursor"] is None
    assert {first["items"][0]["product"]["name"], second["items"][0]["product"]["name"]} == set(
        by_product
    )
    bad = tech.get("/api/v1/stock?cursor=nonsense")
    assert bad.status_code == 400


# --- minimums ---------------------------------------------------------------------------


def test_minimums_are_set_changed_and_removed(buyer, tech, world):
    """Setting twice changes the same row; a stale change is refused; removing it forgets it."""
    body = {"store_id": world.central.id, "product_id": world.battery.id, "minimum": 5}
    created = buyer.post("/api/v1/stock-minimums", json=body)
    assert created.status_code == 201
    row = created.get_json()
    assert (row["minimum"], row["reorder_target"]) == (5, None)
    assert row["store"]["name"] == "Sentrallager"
    updated = buyer.post(
        "/api/v1/stock-minimums", json={**body, "minimum": "7", "reorder_target": 20}
    )
    assert updated.status_code == 200
    assert updated.get_json()["id"] == row["id"]
    assert (updated.get_json()["minimum"], updated.get_json()["reorder_target"]) == (7, 20)

    patched = buyer.patch(
        f"/api/v1/stock-minimums/{row['id']}", json={"minimum": 8, "version": row["version"] + 1}
    )
    assert patched.status_code == 200
    assert (patched.get_json()["minimum"], patched.get_json()["reorder_target"]) == (8, 20)
    stale = buyer.patch(
        f"/api/v1/stock-minimums/{row['id']}", json={"minimum": 9, "version": row["version"]}
    )
    assert stale.status_code == 409
    below = buyer.patch(f"/api/v1/stock-minimums/{row['id']}", json={"reorder_target": 3})
    assert below.status_code == 422
    assert list(_error(below)["fields"]) == ["reorder_target"]
    cleared = buyer.patch(f"/api/v1/stock-minimums/{row['id']}", json={"reorder_target": None})
    assert cleared.get_json()["reorder_target"] is None

    listed = tech.get(f"/api/v1/stock-minimums?store_id={world.central.id}").get_json()["items"]
    assert [(m["product"]["name"], m["minimum"]) for m in listed] == [("Varta CR2 batteri", 8)]
    assert tech.get(f"/api/v1/stock-minimums?product_id={world.alarm.id}").get_json()["items"] == []
    assert tech.delete(f"/api/v1/stock-minimums/{row['id']}").status_code == 204
    assert tech.get(f"/api/v1/stock-minimums/{row['id']}").status_code == 404
    assert tech.get("/api/v1/stock-minimums").get_json()["items"] == []


@pytest.mark.parametrize("bad", ["-1", -1, 2.5, "x", "", None, True, [3]])
def test_a_minimum_that_is_not_a_whole_number_is_refused(buyer, world, bad):
    """«-1», 2.5 and «x» are refused with a message on the field; nothing is stored."""
    response = buyer.post(
        "/api/v1/stock-minimums",
        json={"store_id": world.central.id, "product_id": world.battery.id, "minimum": bad},
    )
    assert response.status_code == 422
    fields = _error(response)["fields"]
    assert list(fields) == ["minimum"]
    assert fields["minimum"][0] in (
        "Skriv et helt tall, 0 eller mer.",
        "Skriv et helt tall.",
        "Ikke et tall.",
        "Dette feltet kan ikke være tomt.",
    )
    assert buyer.get("/api/v1/stock-minimums").get_json()["items"] == []


def test_suggested_minimum_shows_its_inputs_and_can_be_accepted(app, factories, tech, buyer, world):
    """20 alarms out from the central store, 6 came back faulty this year, 30 days' lead time:
    expect 0.49 failures while an order is on its way, + safety 1.16 → suggest 2."""
    from vftops.equipment import operations as eq
    from vftops.equipment.models import Product, Recipient, Store
    from vftops.org.models import Municipality

    with app.app_context():
        product = db.session.get(Product, world.alarm.id)
        store = db.session.get(Store, world.central.id)
        m = db.session.get(Municipality, world.a.id)
        for i in range(26):
            device = eq.register_device(None, product=product, store=store, serial_number=f"S{i}")
            recipient = eq.create_recipient(None, m, name=f"Mottaker {i}")
            placement = eq.install(None, device, db.session.get(Recipient, recipient.id))
            if i >= 20:
                eq.return_device(None, placement, reason="faulty", destination="repair")
        db.session.commit()

    found = tech.get(f"/api/v1/stock-minimums/suggestions?store_id={world.central.id}").get_json()
    assert found["store"]["name"] == "Sentrallager"
    assert len(found["items"]) == 1
    item = found["items"][0]
    assert item["product"]["name"] == "Tunstall Lifeline Vi+"
    assert {k: v for k, v in item.items() if k != "product"} == {
        "installed_base": 20,
        "failures_12_months": 6,
        "returns_12_months": 6,
        "fault_tickets_12_months": 0,
        "failure_rate_per_year": 0.3,
        "lead_time_days": 30,
        "lead_time_is_default": False,
        "expected_in_lead_time": 0.49,
        "safety_margin": 1.16,
        "suggested": 2,
        "minimum": None,
        "minimum_id": None,
    }
    accepted = buyer.post(
        "/api/v1/stock-minimums/suggestions/accept",
        json={"store_id": world.central.id, "product_id": world.alarm.id},
    )
    assert accepted.status_code == 201
    assert accepted.get_json()["minimum"] == 2
    again = buyer.post(
        "/api/v1/stock-minimums/suggestions/accept",
        json={"store_id": world.central.id, "product_id": world.alarm.id},
    )
    assert again.status_code == 200
    after = tech.get(f"/api/v1/stock-minimums/suggestions?store_id={world.central.id}").get_json()
    assert after["items"][0]["minimum"] == 2
    assert after["items"][0]["minimum_id"] == accepted.get_json()["id"]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "stock_minimum.accept")
        ).first()
        assert event.changes["inputs"]["after"]["failures_12_months"] == 6
    assert (
        tech.get(f"/api/v1/stock-minimums/suggestions?store_id={world.store_b.id}").status_code
        == 404
    )
    assert tech.get("/api/v1/stock-minimums/suggestions").status_code == 422


# --- consumables --------------------------------------------------------------------------


def test_consumables_are_received_issued_and_adjusted_with_the_balance(app, factories, tech, world):
    """Each change answers with its ledger line and the new balance; the ledger reads newest first."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    colleague = factories.user("technician", municipalities=[world.a], username="tore")
    base = {"store_id": world.central.id, "product_id": world.battery.id}

    received = tech.post(
        "/api/v1/stock-movements/receive", json={**base, "quantity": "24", "reason": "Pakkseddel 7"}
    )
    assert received.status_code == 201
    body = received.get_json()
    assert body["balance"] == 24
    assert body["movement"]["kind"] == "receive"
    assert body["movement"]["quantity"] == 24
    assert body["movement"]["reason"] == "Pakkseddel 7"
    assert body["movement"]["actor_name"].startswith("Person ")

    to_kari = tech.post(
        "/api/v1/stock-movements/issue", json={**base, "quantity": 4, "recipient_id": kari.id}
    )
    assert to_kari.status_code == 201
    assert to_kari.get_json()["balance"] == 20
    assert to_kari.get_json()["movement"]["quantity"] == -4
    assert to_kari.get_json()["movement"]["recipient_id"] == kari.id
    to_tore = tech.post(
        "/api/v1/stock-movements/issue", json={**base, "quantity": 2, "issued_to_id": colleague.id}
    )
    assert to_tore.get_json()["balance"] == 18
    assert to_tore.get_json()["movement"]["issued_to_id"] == colleague.id

    counted = tech.post(
        "/api/v1/stock-movements/adjust", json={**base, "counted": 17, "reason": "Telt hylla"}
    )
    assert counted.status_code == 201
    assert counted.get_json()["balance"] == 17
    assert counted.get_json()["movement"]["quantity"] == -1
    same = tech.post(
        "/api/v1/stock-movements/adjust", json={**base, "counted": 17, "reason": "Telt igjen"}
    )
    assert same.status_code == 200
    assert same.get_json() == {"movement": None, "balance": 17}
    assert _level(tech, world.central, world.battery)["available"] == 17

    ledger = tech.get(f"/api/v1/stock-movements?store_id={world.central.id}").get_json()["items"]
    assert [(m["kind"], m["quantity"], m["balance_after"]) for m in ledger] == [
        ("adjust", -1, 17),
        ("issue", -2, 18),
        ("issue", -4, 20),
        ("receive", 24, 24),
    ]
    issues = tech.get("/api/v1/stock-movements?kind=issue&limit=1").get_json()
    assert [m["quantity"] for m in issues["items"]] == [-2]
    rest = tech.get(f"/api/v1/stock-movements?kind=issue&limit=1&cursor={issues['next_cursor']}")
    assert [m["quantity"] for m in rest.get_json()["items"]] == [-4]
    assert rest.get_json()["next_cursor"] is None
    assert (
        tech.get(f"/api/v1/stock-movements?product_id={world.alarm.id}").get_json()["items"] == []
    )


def test_issuing_more_than_there_is_changes_nothing(app, tech, world):
    """Asking for 30 of 10 batteries answers 409 with what is there; balance and ledger unchanged."""
    _receive(app, world.central, world.battery, 10)
    before = _ledger_count(app)
    response = tech.post(
        "/api/v1/stock-movements/issue",
        json={
            "store_id": world.central.id,
            "product_id": world.battery.id,
            "quantity": 30,
            "reason": "Batteribytte",
        },
    )
    assert response.status_code == 409
    error = _error(response)
    assert error["code"] == "conflict"
    assert error["details"] == {"available": 10, "wanted": 30}
    assert error["message"] == "Sentrallager har bare 10 av Varta CR2 batteri."
    assert _level(tech, world.central, world.battery)["available"] == 10
    assert _ledger_count(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0, "reason": "x"}, "quantity"),
        ({"quantity": "to", "reason": "x"}, "quantity"),
        ({"quantity": 1.5, "reason": "x"}, "quantity"),
        ({"quantity": 1}, "reason"),
    ],
)
def test_bad_issues_name_the_field(app, tech, world, body, field):
    """A quantity that is not a whole number above 0, or no one to give it to, is a 422."""
    _receive(app, world.central, world.battery, 10)
    response = tech.post(
        "/api/v1/stock-movements/issue",
        json={"store_id": world.central.id, "product_id": world.battery.id, **body},
    )
    assert response.status_code == 422
    assert list(_error(response)["fields"]) == [field]
    assert _level(tech, world.central, world.battery)["available"] == 10


def test_consumable_moves_refuse_devices_archived_stores_and_other_municipalities(
    app, factories, tech, buyer, world
):
    """Alarms are moved by serial; an archived store takes nothing; Meråker's ids answer 404."""
    by_serial = tech.post(
        "/api/v1/stock-movements/receive",
        json={"store_id": world.central.id, "product_id": world.alarm.id, "quantity": 2},
    )
    assert by_serial.status_code == 422
    assert list(_error(by_serial)["fields"]) == ["product_id"]
    assert (
        buyer.patch(f"/api/v1/stores/{world.van.id}", json={"is_active": False}).status_code == 200
    )
    archived = tech.post(
        "/api/v1/stock-movements/receive",
        json={"store_id": world.van.id, "product_id": world.battery.id, "quantity": 2},
    )
    assert archived.status_code == 409
    assert "Teknikerbil" in _error(archived)["message"]

    _receive(app, world.central, world.battery, 5)
    berit = factories.recipient(world.b, name="Berit i Meråker")
    meraker_tech = factories.user("technician", municipalities=[world.b])
    base = {"store_id": world.central.id, "product_id": world.battery.id, "quantity": 1}
    for body in (
        {**base, "store_id": world.store_b.id, "reason": "x"},
        {**base, "recipient_id": berit.id},
        {**base, "issued_to_id": meraker_tech.id},
        {**base, "product_id": 999_999, "reason": "x"},
    ):
        response = tech.post("/api/v1/stock-movements/issue", json=body)
        assert response.status_code == 404, body
        assert _error(response)["code"] == "not_found"
    assert _level(tech, world.central, world.battery)["available"] == 5


def test_two_technicians_take_the_last_battery_at_once(app, factories, world):
    """Two phones issue the last battery at the same moment: one gets it, the other a 409."""
    _receive(app, world.central, world.battery, 1)
    clients = [
        factories.api(factories.user("technician", municipalities=[world.a])) for _ in range(2)
    ]

    def see(_i, client):  # both see the last battery on the shelf
        assert _level(client, world.central, world.battery)["available"] == 1

    def issue(i, client, _seen):
        return client.post(
            "/api/v1/stock-movements/issue",
            json={
                "store_id": world.central.id,
                "product_id": world.battery.id,
                "quantity": 1,
                "reason": f"Batteribytte {i}",
            },
        )

    responses = race_requests(clients, issue, prepare=see)
    assert sorted(r.status_code for r in responses) == [201, 409], [
        r.get_data(as_text=True) for r in responses
    ]
    loser = next(r for r in responses if r.status_code == 409)
    assert _error(loser)["code"] == "conflict"
    # Told the shelf is empty, or (when both wrote at once) that someone else was faster.
    assert _error(loser)["message"] in (
        "Sentrallager har bare 0 av Varta CR2 batteri.",
        "Noen andre endret dette samtidig. Ingenting ble lagret. "
        "Åpne det på nytt for å se hvordan det ser ut nå.",
    )
    reader = clients[0]
    assert _level(reader, world.central, world.battery)["available"] == 0
    with app.app_context():
        kinds = db.session.scalars(select(StockMovement.kind).order_by(StockMovement.id)).all()
    assert kinds == ["receive", "issue"]


# --- transfers ----------------------------------------------------------------------------


def test_transfer_is_in_transit_until_received(app, factories, tech, world):
    """Two alarms and three batteries go to the van: gone from the central store, incoming
    to the van, in_transit; received, they are on the van's shelf; receiving twice is a 409."""
    for serial in ("T-1", "T-2", "T-3"):
        factories.device(world.alarm, world.central, serial=serial)
    _receive(app, world.central, world.battery, 10)
    sent = tech.post(
        "/api/v1/transfers",
        json={
            "from_store_id": world.central.id,
            "to_store_id": world.van.id,
            "serials": ["t-1", " T-2 "],
            "quantities": [{"product_id": world.battery.id, "quantity": 3}],
            "note": "Til bilen",
        },
    )
    assert sent.status_code == 201, sent.get_json()
    transfer = sent.get_json()
    assert transfer["status"] == "sent"
    assert (transfer["from_store"]["name"], transfer["to_store"]["name"]) == (
        "Sentrallager",
        "Teknikerbil",
    )
    assert sorted(
        (line["serial_number"] or "", line["product"]["name"], line["quantity"])
        for line in transfer["lines"]
    ) == [
        ("", "Varta CR2 batteri", 3),
        ("T-1", "Tunstall Lifeline Vi+", 1),
        ("T-2", "Tunstall Lifeline Vi+", 1),
    ]
    device = tech.get(f"/api/v1/devices/{_device_id(app, 'T-1')}").get_json()
    assert device["status"] == "in_transit"
    assert _level(tech, world.central, world.alarm)["available"] == 1
    assert _level(tech, world.central, world.battery)["available"] == 7
    incoming = _level(tech, world.van, world.alarm)
    assert (incoming["available"], incoming["incoming"]) == (0, 2)
    assert _level(tech, world.van, world.battery)["incoming"] == 3

    received = tech.post(f"/api/v1/transfers/{transfer['id']}/receive", json={})
    assert received.status_code == 200
    assert received.get_json()["status"] == "received"
    assert received.get_json()["received_at"] is not None
    assert _level(tech, world.van, world.alarm)["available"] == 2
    assert _level(tech, world.van, world.battery)["available"] == 3
    assert tech.get(f"/api/v1/devices/{_device_id(app, 'T-2')}").get_json()["store"]["id"] == (
        world.van.id
    )
    for action in ("receive", "cancel"):
        again = tech.post(f"/api/v1/transfers/{transfer['id']}/{action}", json={})
        assert again.status_code == 409, action
        assert _error(again)["details"] == {"status": "received"}

    listed = tech.get(f"/api/v1/transfers?store_id={world.van.id}&status=received").get_json()
    assert [t["id"] for t in listed["items"]] == [transfer["id"]]
    assert tech.get("/api/v1/transfers?status=sent").get_json()["items"] == []


def test_cancelled_transfer_puts_everything_back(app, factories, tech, world):
    """Calling a transfer back returns the devices and batteries to the sending store."""
    factories.device(world.alarm, world.central, serial="C-1")
    _receive(app, world.central, world.battery, 4)
    transfer = tech.post(
        "/api/v1/transfers",
        json={
            "from_store_id": world.central.id,
            "to_store_id": world.van.id,
            "serials": ["C-1"],
            "quantities": [{"product_id": world.battery.id, "quantity": 4}],
        },
    ).get_json()
    stale = tech.post(
        f"/api/v1/transfers/{transfer['id']}/cancel", json={"version": transfer["version"] + 1}
    )
    assert stale.status_code == 409
    cancelled = tech.post(
        f"/api/v1/transfers/{transfer['id']}/cancel", json={"version": transfer["version"]}
    )
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert _level(tech, world.central, world.alarm)["available"] == 1
    assert _level(tech, world.central, world.battery)["available"] == 4
    assert tech.post(f"/api/v1/transfers/{transfer['id']}/receive").status_code == 409


def test_only_the_receiving_side_receives_and_only_the_sending_side_calls_back(
    app, tech, tech_b, world
):
    """Meråker sees a transfer between the joint store and Stjørdal's own store, but may not
    land it in, or call it back to, the Stjørdal store it cannot see."""
    _receive(app, world.joint, world.battery, 6)
    _receive(app, world.central, world.battery, 6)

    def send(source, target):
        body = {
            "from_store_id": source.id,
            "to_store_id": target.id,
            "quantities": [{"product_id": world.battery.id, "quantity": 2}],
        }
        response = tech.post("/api/v1/transfers", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    to_central = send(world.joint, world.central)
    assert tech_b.get(f"/api/v1/transfers/{to_central}").status_code == 200
    assert tech_b.post(f"/api/v1/transfers/{to_central}/receive", json={}).status_code == 404
    assert _level(tech, world.central, world.battery)["available"] == 6
    assert tech_b.post(f"/api/v1/transfers/{to_central}/cancel", json={}).status_code == 200
    assert _level(tech_b, world.joint, world.battery)["available"] == 6

    to_joint = send(world.central, world.joint)
    assert tech_b.post(f"/api/v1/transfers/{to_joint}/cancel", json={}).status_code == 404
    assert _level(tech, world.central, world.battery)["available"] == 4
    assert tech_b.post(f"/api/v1/transfers/{to_joint}/receive", json={}).status_code == 200
    assert _level(tech_b, world.joint, world.battery)["available"] == 8


def test_refused_transfers_move_nothing(app, factories, tech, buyer, world):
    """An unknown serial is named; an archived store refuses; more batteries than there are is a
    409; Meråker's store is a 404 while the joint store takes Stjørdal's alarm."""
    factories.device(world.alarm, world.central, serial="R-1")
    _receive(app, world.central, world.battery, 2)
    base = {"from_store_id": world.central.id, "to_store_id": world.van.id}

    unknown = tech.post("/api/v1/transfers", json={**base, "serials": ["R-1", "R-404"]})
    assert unknown.status_code == 422
    assert _error(unknown)["fields"]["serials"] == ["Linje 2: R-404 er ikke registrert."]
    too_many = tech.post(
        "/api/v1/transfers",
        json={**base, "quantities": [{"product_id": world.battery.id, "quantity": 5}]},
    )
    assert too_many.status_code == 409
    assert _error(too_many)["details"] == {"available": 2, "wanted": 5}
    bad_quantity = tech.post(
        "/api/v1/transfers",
        json={**base, "quantities": [{"product_id": world.battery.id, "quantity": "fem"}]},
    )
    assert bad_quantity.status_code == 422
    assert list(_error(bad_quantity)["fields"]) == ["quantities.0"]

    assert (
        buyer.patch(f"/api/v1/stores/{world.van.id}", json={"is_active": False}).status_code == 200
    )
    archived = tech.post("/api/v1/transfers", json={**base, "serials": ["R-1"]})
    assert archived.status_code == 409
    assert "to_store_id" in _error(archived)["fields"]
    assert "arkivert" in _error(archived)["message"]
    foreign = tech.post(
        "/api/v1/transfers",
        json={
            "from_store_id": world.central.id,
            "to_store_id": world.store_b.id,
            "serials": ["R-1"],
        },
    )
    assert foreign.status_code == 404
    assert tech.get("/api/v1/transfers").get_json()["items"] == []
    assert _level(tech, world.central, world.alarm)["available"] == 1
    assert _level(tech, world.central, world.battery)["available"] == 2

    joint = tech.post(
        "/api/v1/transfers",
        json={"from_store_id": world.central.id, "to_store_id": world.joint.id, "serials": ["R-1"]},
    )
    assert joint.status_code == 201
    assert joint.get_json()["to_store"]["name"] == "Værnes felleslager"


# --- purchase orders ----------------------------------------------------------------------


def _draft(buyer, world, **extra):
    response = buyer.post(
        "/api/v1/purchase-orders",
        json={
            "store_id": world.central.id,
            "supplier_id": world.supplier_id,
            "agreement_ref": "RA-2024-017",
            "lines": [
                {"product_id": world.alarm.id, "quantity": 3, "unit_price": "2490.00"},
                {"product_id": world.battery.id, "quantity": 20},
            ],
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_order_is_drafted_changed_sent_and_received_in_parts(app, tech, buyer, world):
    """Procurement drafts and sends; the technician receives two alarms and all batteries,
    then the last alarm: the order closes and the stock is there."""
    order = _draft(buyer, world, note="Til varemottaket")
    assert order["status"] == "draft"
    assert re.fullmatch(r"\d{4}-\d{4}-0001", order["number"])  # municipality-year-number
    assert order["supplier"] == {"id": world.supplier_id, "name": "Tunstall AS"}
    assert [(x["product"]["name"], x["quantity"], x["unit_price"]) for x in order["lines"]] == [
        ("Tunstall Lifeline Vi+", 3, "2490.00"),
        ("Varta CR2 batteri", 20, None),
    ]
    changed = buyer.patch(
        f"/api/v1/purchase-orders/{order['id']}",
        json={
            "lines": [
                {"product_id": world.alarm.id, "quantity": 3, "unit_price": "2390,00"},
                {"product_id": world.battery.id, "quantity": 24},
            ],
            "expected_on": "2030-01-15",
            "version": order["version"],
        },
    )
    assert changed.status_code == 200, changed.get_json()
    assert [x["quantity"] for x in changed.get_json()["lines"]] == [3, 24]
    assert changed.get_json()["lines"][0]["unit_price"] == "2390.00"
    assert changed.get_json()["expected_on"] == "2030-01-15"
    stale = buyer.patch(
        f"/api/v1/purchase-orders/{order['id']}", json={"note": "x", "version": order["version"]}
    )
    assert stale.status_code == 409
    assert tech.post(f"/api/v1/purchase-orders/{order['id']}/send", json={}).status_code == 403

    sent = buyer.post(f"/api/v1/purchase-orders/{order['id']}/send", json={})
    assert sent.status_code == 200
    assert sent.get_json()["status"] == "sent"
    assert sent.get_json()["is_open"] is True
    assert buyer.post(f"/api/v1/purchase-orders/{order['id']}/send", json={}).status_code == 409
    locked = buyer.patch(
        f"/api/v1/purchase-orders/{order['id']}",
        json={"lines": [{"product_id": world.alarm.id, "quantity": 1}]},
    )
    assert locked.status_code == 409
    assert _level(tech, world.central, world.alarm)["on_order"] == 3

    alarm_line, battery_line = (x["id"] for x in sent.get_json()["lines"])
    assert (
        buyer.post(
            f"/api/v1/purchase-orders/{order['id']}/receive",
            json={"lines": [{"line_id": battery_line, "quantity": 24}]},
        ).status_code
        == 403
    )
    part = tech.post(
        f"/api/v1/purchase-orders/{order['id']}/receive",
        json={
            "lines": [
                {"line_id": alarm_line, "serials": ["PO-1", "po-2"]},
                {"line_id": battery_line, "quantity": 24},
            ]
        },
    )
    assert part.status_code == 200, part.get_json()
    body = part.get_json()
    assert body["status"] == "partly_received"
    assert [(x["received_quantity"], x["outstanding"]) for x in body["lines"]] == [(2, 1), (24, 0)]
    level = _level(tech, world.central, world.alarm)
    assert (level["available"], level["on_order"]) == (2, 1)
    assert _level(tech, world.central, world.battery)["available"] == 24

    rest = tech.post(
        f"/api/v1/purchase-orders/{order['id']}/receive",
        json={"lines": [{"line_id": alarm_line, "serials": ["PO-3"]}], "version": body["version"]},
    )
    assert rest.status_code == 200
    assert rest.get_json()["status"] == "received"
    assert rest.get_json()["closed_at"] is not None
    assert rest.get_json()["is_open"] is False
    assert _level(tech, world.central, world.alarm)["on_order"] == 0
    assert [
        o["id"] for o in tech.get("/api/v1/purchase-orders?status=received").get_json()["items"]
    ] == [order["id"]]
    assert tech.get("/api/v1/purchase-orders?status=open").get_json()["items"] == []


def test_receiving_more_than_ordered_needs_a_reason(app, tech, buyer, world):
    """24 batteries on an order of 20: 422 with how many more, nothing received; with a reason, fine."""
    order = _draft(buyer, world)
    buyer.post(f"/api/v1/purchase-orders/{order['id']}/send", json={})
    battery_line = order["lines"][1]["id"]
    body = {"lines": [{"line_id": battery_line, "quantity": 24}]}
    warned = tech.post(f"/api/v1/purchase-orders/{order['id']}/receive", json=body)
    assert warned.status_code == 422
    error = _error(warned)
    assert error["details"] == {"over": {str(battery_line): 4}}
    assert "reason" in error["fields"]
    assert error["fields"]["lines.0"] == [
        "4 flere enn bestilt av Varta CR2 batteri. Oppgi en grunn for å ta imot likevel."
    ]
    assert _level(tech, world.central, world.battery)["available"] == 0
    assert tech.get(f"/api/v1/purchase-orders/{order['id']}").get_json()["status"] == "sent"

    accepted = tech.post(
        f"/api/v1/purchase-orders/{order['id']}/receive",
        json={**body, "reason": "Leverandøren sendte en ekstra eske"},
    )
    assert accepted.status_code == 200
    assert accepted.get_json()["lines"][1]["received_quantity"] == 24
    assert _level(tech, world.central, world.battery)["available"] == 24


def test_a_serial_that_exists_is_named_and_nothing_is_received(app, factories, tech, buyer, world):
    """A delivery with an alarm that is already registered is refused and names it."""
    factories.device(world.alarm, world.central, serial="DUP-1")
    order = _draft(buyer, world)
    buyer.post(f"/api/v1/purchase-orders/{order['id']}/send", json={})
    alarm_line, battery_line = (x["id"] for x in order["lines"])
    response = tech.post(
        f"/api/v1/purchase-orders/{order['id']}/receive",
        json={
            "lines": [
                {"line_id": battery_line, "quantity": 5},
                {"line_id": alarm_line, "serials": ["NEW-1", "dup-1"]},
            ]
        },
    )
    assert response.status_code == 422
    assert _error(response)["fields"] == {"lines.1": ["Linje 2: DUP-1 er allerede registrert."]}
    with app.app_context():
        assert db.session.scalar(select(func.count(Device.id))) == 1
    battery = _level(tech, world.central, world.battery)
    assert (battery["available"], battery["on_order"]) == (0, 20)
    assert [
        x["received_quantity"]
        for x in tech.get(f"/api/v1/purchase-orders/{order['id']}").get_json()["lines"]
    ] == [0, 0]


def test_orders_are_refused_filtered_and_cancelled(app, tech, buyer, world):
    """Bad lines are named by index; Meråker's store is a 404; overdue and open filters work;
    a sent order is cancelled only with a reason."""
    bad = buyer.post(
        "/api/v1/purchase-orders",
        json={
            "store_id": world.central.id,
            "supplier_id": world.supplier_id,
            "lines": [
                {"product_id": world.alarm.id, "quantity": 2},
                {"product_id": world.battery.id, "quantity": "mange"},
            ],
        },
    )
    assert bad.status_code == 422
    assert list(_error(bad)["fields"]) == ["lines.1"]
    for body in (
        {"store_id": world.store_b.id, "supplier_id": world.supplier_id},
        {"store_id": world.central.id, "supplier_id": 999_999},
        {
            "store_id": world.central.id,
            "supplier_id": world.supplier_id,
            "lines": [{"product_id": 999_999, "quantity": 1}],
        },
    ):
        payload = {"lines": [{"product_id": world.battery.id, "quantity": 1}], **body}
        assert buyer.post("/api/v1/purchase-orders", json=payload).status_code == 404, body
    assert tech.get("/api/v1/purchase-orders").get_json()["items"] == []

    draft = _draft(buyer, world)
    late = _sent_order(
        app, world.central, world.battery, 5, expected_on=local_today() - timedelta(days=3)
    )
    overdue = tech.get("/api/v1/purchase-orders?overdue=true").get_json()["items"]
    assert [o["id"] for o in overdue] == [late]
    assert overdue[0]["is_overdue"] is True
    open_ids = [
        o["id"] for o in tech.get("/api/v1/purchase-orders?status=open").get_json()["items"]
    ]
    assert open_ids == [late, draft["id"]]
    assert [
        o["id"] for o in tech.get("/api/v1/purchase-orders?status=draft").get_json()["items"]
    ] == [draft["id"]]
    assert (
        tech.get(f"/api/v1/purchase-orders?supplier_id={world.supplier_id + 1}").get_json()["items"]
        == []
    )

    no_reason = buyer.post(f"/api/v1/purchase-orders/{late}/cancel", json={})
    assert no_reason.status_code == 422
    assert list(_error(no_reason)["fields"]) == ["reason"]
    cancelled = buyer.post(
        f"/api/v1/purchase-orders/{late}/cancel", json={"reason": "Leverandøren kan ikke levere"}
    )
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert (
        buyer.post(f"/api/v1/purchase-orders/{late}/cancel", json={"reason": "x"}).status_code
        == 409
    )
    assert buyer.post(f"/api/v1/purchase-orders/{draft['id']}/cancel", json={}).status_code == 200


def test_order_from_shortfall_fills_up_to_the_target(app, factories, tech, buyer, world):
    """One alarm left, minimum 4, target 6: a draft for 5 from the product's supplier; asking
    again changes the same draft."""
    factories.device(world.alarm, world.central, serial="F-1")
    buyer.post(
        "/api/v1/stock-minimums",
        json={
            "store_id": world.central.id,
            "product_id": world.alarm.id,
            "minimum": 4,
            "reorder_target": 6,
        },
    )
    body = {"store_id": world.central.id, "product_id": world.alarm.id}
    created = buyer.post("/api/v1/purchase-orders/from-shortfall", json=body)
    assert created.status_code == 201
    order = created.get_json()
    assert order["status"] == "draft"
    assert order["supplier"]["name"] == "Tunstall AS"
    assert [(x["product"]["name"], x["quantity"]) for x in order["lines"]] == [
        ("Tunstall Lifeline Vi+", 5)
    ]
    again = buyer.post("/api/v1/purchase-orders/from-shortfall", json=body)
    assert again.status_code == 200
    assert again.get_json()["id"] == order["id"]
    assert len(tech.get("/api/v1/purchase-orders").get_json()["items"]) == 1
    foreign = buyer.post(
        "/api/v1/purchase-orders/from-shortfall",
        json={"store_id": world.store_b.id, "product_id": world.alarm.id},
    )
    assert foreign.status_code == 404


def test_the_shortfall_is_sent_from_a_store_with_spare_before_it_is_ordered(
    app, factories, tech, buyer, world
):
    """The van lacks 4 alarms; the central store has 3 above its minimum and Meråker's own
    store 20 it may not send: 3 to send from Sentrallager, 1 to order, and an order that
    asks for 1. With 3 to spare for a lack of 2, ordering answers 409 naming the store."""
    for n in range(5):
        factories.device(world.alarm, world.central, serial=f"C-{n}")
    for n in range(20):
        factories.device(world.alarm, world.store_b, serial=f"B-{n}")
    for store, minimum in ((world.central, 2), (world.van, 4)):
        assert (
            buyer.post(
                "/api/v1/stock-minimums",
                json={"store_id": store.id, "product_id": world.alarm.id, "minimum": minimum},
            ).status_code
            == 201
        )
    short = tech.get("/api/v1/stock?below_minimum=true").get_json()["items"]
    assert [
        (r["store"]["name"], r["transfer_from"], r["order_after_transfers"]) for r in short
    ] == [
        (
            "Teknikerbil",
            [{"store_id": world.central.id, "store_name": "Sentrallager", "quantity": 3}],
            1,
        )
    ]
    body = {"store_id": world.van.id, "product_id": world.alarm.id}
    order = buyer.post("/api/v1/purchase-orders/from-shortfall", json=body).get_json()
    assert [line["quantity"] for line in order["lines"]] == [1]

    minimum_id = short[0]["minimum_id"]
    version = tech.get(f"/api/v1/stock-minimums/{minimum_id}").get_json()["version"]
    changed = buyer.patch(
        f"/api/v1/stock-minimums/{minimum_id}",
        json={"minimum": 2},
        headers={"If-Match": str(version)},
    )
    assert changed.status_code == 200, changed.get_json()
    refused = buyer.post("/api/v1/purchase-orders/from-shortfall", json=body)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert "Sentrallager (2)" in error["message"]
    assert error["details"] == {"transfer_from": [{"store_id": world.central.id, "quantity": 2}]}


# --- scope ------------------------------------------------------------------------------


def test_meraker_objects_answer_404_and_the_joint_store_is_visible(
    app, factories, tech, tech_b, world
):
    """Stjørdal's technician cannot reach Meråker's store, minimum, transfer or order, but
    sees the store Meråker shares with Stjørdal and what is in it."""
    factories.device(world.alarm, world.store_b, serial="B-1")
    _receive(app, world.store_b, world.battery, 5)
    _receive(app, world.joint, world.battery, 7)
    minimum = tech_b.post(
        "/api/v1/stock-minimums",
        json={"store_id": world.store_b.id, "product_id": world.battery.id, "minimum": 2},
    ).get_json()
    transfer = tech_b.post(
        "/api/v1/transfers",
        json={"from_store_id": world.store_b.id, "to_store_id": world.joint.id, "serials": ["B-1"]},
    ).get_json()
    order = _sent_order(app, world.store_b, world.battery, 5)

    for path in (
        f"/api/v1/stores/{world.store_b.id}",
        f"/api/v1/stock-minimums/{minimum['id']}",
        f"/api/v1/purchase-orders/{order}",
        f"/api/v1/stock-minimums/suggestions?store_id={world.store_b.id}",
    ):
        response = tech.get(path)
        assert response.status_code == 404, path
        assert _error(response)["code"] == "not_found"
    for method, path, body in (
        ("PATCH", f"/api/v1/stores/{world.store_b.id}", {"note": "x"}),
        ("PATCH", f"/api/v1/stock-minimums/{minimum['id']}", {"minimum": 1}),
        ("DELETE", f"/api/v1/stock-minimums/{minimum['id']}", None),
        ("POST", f"/api/v1/purchase-orders/{order}/receive", {"lines": []}),
    ):
        response = tech.open(path, method=method, json=body)
        assert response.status_code == 404, path
    # The transfer went to the joint store: both ends' people see it.
    assert tech.get(f"/api/v1/transfers/{transfer['id']}").status_code == 200
    assert tech.get("/api/v1/stock-minimums").get_json()["items"] == []
    assert tech.get("/api/v1/purchase-orders").get_json()["items"] == []
    assert {
        m["store"]["name"] for m in tech.get("/api/v1/stock-movements").get_json()["items"]
    } == {"Værnes felleslager"}
    joint = tech.get(f"/api/v1/stock?store_id={world.joint.id}").get_json()["items"]
    assert [(r["product"]["name"], r["available"], r["incoming"]) for r in joint] == [
        ("Tunstall Lifeline Vi+", 0, 1),
        ("Varta CR2 batteri", 7, 0),
    ]
    assert tech.post(f"/api/v1/transfers/{transfer['id']}/receive", json={}).status_code == 200
    with app.app_context():
        assert db.session.get(Device, _device_id(app, "B-1")).store_id == world.joint.id


# --- contract and cost ----------------------------------------------------------------------


STOCK_PATHS = {
    "/api/v1/stores": {"get", "post"},
    "/api/v1/stores/{store_id}": {"get", "patch"},
    "/api/v1/stock": {"get"},
    "/api/v1/stock-minimums": {"get", "post"},
    "/api/v1/stock-minimums/{minimum_id}": {"get", "patch", "delete"},
    "/api/v1/stock-minimums/suggestions": {"get"},
    "/api/v1/stock-minimums/suggestions/accept": {"post"},
    "/api/v1/stock-movements": {"get"},
    "/api/v1/stock-movements/receive": {"post"},
    "/api/v1/stock-movements/issue": {"post"},
    "/api/v1/stock-movements/adjust": {"post"},
    "/api/v1/transfers": {"get", "post"},
    "/api/v1/transfers/{transfer_id}": {"get"},
    "/api/v1/transfers/{transfer_id}/receive": {"post"},
    "/api/v1/transfers/{transfer_id}/cancel": {"post"},
    "/api/v1/purchase-orders": {"get", "post"},
    "/api/v1/purchase-orders/from-shortfall": {"post"},
    "/api/v1/purchase-orders/{order_id}": {"get", "patch"},
    "/api/v1/purchase-orders/{order_id}/send": {"post"},
    "/api/v1/purchase-orders/{order_id}/cancel": {"post"},
    "/api/v1/purchase-orders/{order_id}/receive": {"post"},
}


def test_openapi_document_describes_the_store(client):
    """Every store endpoint is in /api/v1/openapi.json with a summary, and every write an example."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, methods in STOCK_PATHS.items():
        assert path in spec["paths"], path
        assert set(spec["paths"][path]) - {"parameters"} == methods, path
        for method in methods:
            operation = spec["paths"][path][method]
            assert operation["summary"], (method, path)
            if method in ("post", "patch"):
                content = operation["requestBody"]["content"]["application/json"]
                assert content["example"], (method, path)
    issue = spec["paths"]["/api/v1/stock-movements/issue"]["post"]
    assert "409" in issue["responses"]
    assert "details" in issue["description"]
    minimum = spec["components"]["schemas"]["StockMinimumSet"]["properties"]["minimum"]
    assert minimum["type"] == "integer"


LISTS = (
    "/api/v1/stores",
    "/api/v1/stock",
    "/api/v1/stock-minimums",
    "/api/v1/stock-movements",
    "/api/v1/transfers",
    "/api/v1/purchase-orders",
)


def _add_rows(app, world, start: int, count: int) -> None:
    """`count` more of everything: stores with stock and minimums, transfers and orders."""
    from vftops.equipment import operations as eq
    from vftops.equipment.models import Product, Store
    from vftops.org.models import Municipality
    from vftops.stock import operations as st
    from vftops.suppliers.models import Supplier

    with app.app_context():
        m = db.session.get(Municipality, world.a.id)
        alarm = db.session.get(Product, world.alarm.id)
        battery = db.session.get(Product, world.battery.id)
        supplier = db.session.get(Supplier, world.supplier_id)
        central = db.session.get(Store, world.central.id)
        for i in range(start, start + count):
            store = st.create_store(None, m, name=f"Bil {i}", kind="local")
            st.receive_consumables(None, store, battery, 3, reason="Levering")
            st.set_minimum(None, store, battery, minimum=5)
            eq.register_device(None, product=alarm, store=central, serial_number=f"L{i}")
            st.send_transfer(None, central, store, serials=[f"L{i}"], quantities=[])
            st.create_order(None, store, supplier, lines=[(battery, 2), (alarm, 1)])
        db.session.commit()


def test_lists_do_not_query_per_row(app, tech, world):
    """A page of 12 stores, levels, minimums, ledger lines, transfers or orders costs the
    database as many statements as a page of 2."""

    def statements_per_list():
        tech.get("/api/v1/users/me")
        counts = {}
        for path in LISTS:
            with count_statements(app) as statements:
                response = tech.get(path)
            assert response.status_code == 200, path
            counts[path] = (len(response.get_json()["items"]), len(statements))
        return counts

    _add_rows(app, world, 0, 2)
    few = statements_per_list()
    _add_rows(app, world, 2, 10)
    many = statements_per_list()
    assert many["/api/v1/transfers"][0] == 12
    assert many["/api/v1/purchase-orders"][0] == 12
    for path in LISTS:
        assert few[path][1] == many[path][1], (path, few[path], many[path])
