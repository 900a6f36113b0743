"""The equipment register's JSON API, as an integrator or a technician's app uses it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements
from vftops.core.audit import AuditEvent
from vftops.equipment.models import Device
from vftops.extensions import db

FULL_CHECKLIST = ["retrieved", "reset", "cleaned", "inspected"]


@pytest.fixture
def world(app, factories):
    """Stjørdal (A) and Meråker (B), a store in each, one safety alarm in the catalogue."""
    a = factories.municipality(name="Stjørdal", number="5035")
    b = factories.municipality(name="Meråker", number="5034")
    return SimpleNamespace(
        a=a,
        b=b,
        store_a=factories.store(a, name="Sentrallager"),
        store_b=factories.store(b, name="Lager Meråker"),
        product=factories.product("safety_alarm", manufacturer="Tunstall", model="Lifeline Vi+"),
    )


@pytest.fixture
def tech(app, factories, world):
    """A technician of Stjørdal only."""
    return factories.api(factories.user("technician", municipalities=[world.a]))


@pytest.fixture
def admin(app, factories, world):
    """An administrator of the shared service: member of both municipalities."""
    return factories.api(factories.user("admin", municipalities=[world.a, world.b]))


def _register(client, world, serial, store=None, **extra):
    response = client.post(
        "/api/v1/devices",
        json={
            "product_id": world.product.id,
            "store_id": (store or world.store_a).id,
            "serial_number": serial,
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _install(client, device_id, recipient_id, **extra):
    response = client.post(
        "/api/v1/placements",
        json={"device_id": device_id, "recipient_id": recipient_id, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _audit_count(app, action):
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


# --- catalogue and suppliers --------------------------------------------------------


def test_product_is_created_found_by_filter_and_not_twice(admin):
    """A new product shows up in the filtered catalogue; the same model twice is refused."""
    response = admin.post(
        "/api/v1/products",
        json={
            "category": "medicine_dispenser",
            "manufacturer": "Evondos",
            "model": "E300",
            "stores_personal_data": True,
            "return_checklist": ["Medisinrester fjernet"],
        },
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "Evondos E300"
    assert created["is_active"] is True
    assert [i["key"] for i in created["checklist_items"]] == [*FULL_CHECKLIST, "extra1"]

    listed = admin.get("/api/v1/products?category=medicine_dispenser&q=evondos e3").get_json()
    assert [p["id"] for p in listed["items"]] == [created["id"]]
    assert admin.get("/api/v1/products?q=E300&category=hub").get_json()["items"] == []
    assert admin.get("/api/v1/products?q=100%25").get_json()["items"] == []

    again = admin.post(
        "/api/v1/products",
        json={"category": "medicine_dispenser", "manufacturer": "evondos", "model": " e300 "},
    )
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    assert "model" in again.get_json()["error"]["fields"]

    typo = admin.post(
        "/api/v1/products",
        json={"category": "hub", "manufacturer": "Doro", "model": "Hub 1", "colour": "hvit"},
    )
    assert typo.status_code == 422
    assert typo.get_json()["error"]["fields"] == {"colour": ["Ukjent felt."]}


def test_product_patch_guards_the_version(admin, world):
    """Editing a product from an out-of-date copy answers 409 and changes nothing."""
    product = admin.get(f"/api/v1/products/{world.product.id}").get_json()
    stale = admin.patch(
        f"/api/v1/products/{product['id']}",
        json={"lifetime_months": 48, "version": product["version"] + 1},
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"] == {"current_version": product["version"]}
    ok = admin.patch(
        f"/api/v1/products/{product['id']}",
        json={"lifetime_months": 48, "is_active": False, "version": product["version"]},
    )
    assert ok.status_code == 200
    assert ok.get_json()["lifetime_months"] == 48
    assert ok.get_json()["is_active"] is False
    assert ok.get_json()["version"] == product["version"] + 1
    inactive = admin.get("/api/v1/products?is_active=false").get_json()["items"]
    assert [p["id"] for p in inactive] == [product["id"]]


def test_suppliers_are_kept_and_linked_to_products(admin):
    """Procurement registers a supplier once and links products to it by id."""
    response = admin.post(
        "/api/v1/suppliers", json={"name": "Tunstall AS", "org_number": "974 760 673"}
    )
    assert response.status_code == 201
    supplier = response.get_json()
    assert supplier["org_number"] == "974760673"
    assert admin.post("/api/v1/suppliers", json={"name": "tunstall as"}).status_code == 409
    changed = admin.patch(
        f"/api/v1/suppliers/{supplier['id']}", json={"support_phone": "22 33 44 55"}
    )
    assert changed.get_json()["support_phone"] == "22 33 44 55"
    assert [s["name"] for s in admin.get("/api/v1/suppliers?q=TUNST").get_json()["items"]] == [
        "Tunstall AS"
    ]
    product = admin.post(
        "/api/v1/products",
        json={
            "category": "door_sensor",
            "manufacturer": "Tunstall",
            "model": "Dørsensor",
            "supplier_id": supplier["id"],
        },
    ).get_json()
    assert product["supplier"] == {"id": supplier["id"], "name": "Tunstall AS"}
    unknown = admin.post(
        "/api/v1/products",
        json={"category": "hub", "manufacturer": "X", "model": "Y", "supplier_id": 999999},
    )
    assert unknown.status_code == 404


def test_stores_are_listed_per_municipality(tech, admin, world):
    """Each user sees the stores of their own municipalities only."""
    own = tech.get("/api/v1/stores").get_json()["items"]
    assert [s["name"] for s in own] == ["Sentrallager"]
    both = admin.get("/api/v1/stores").get_json()["items"]
    assert sorted(s["name"] for s in both) == ["Lager Meråker", "Sentrallager"]
    only_b = admin.get(f"/api/v1/stores?municipality_id={world.b.id}").get_json()["items"]
    assert [s["id"] for s in only_b] == [world.store_b.id]
    assert tech.get(f"/api/v1/stores/{world.store_b.id}").status_code == 404
    assert tech.get(f"/api/v1/stores/{world.store_a.id}").get_json()["kind"] == "central"


# --- devices --------------------------------------------------------------------------


def test_register_device_normalises_serial_and_refuses_duplicates(tech, world):
    """« ab 12 » is stored as AB12; typing it again in another way is refused, and a bad IMEI is named."""
    device = _register(tech, world, " ab 12 ", phone_number="912 34 567", cost="2490.50")
    assert device["serial_number"] == "AB12"
    assert device["status"] == "in_stock"
    assert device["store"]["id"] == world.store_a.id
    assert device["product"]["name"] == "Tunstall Lifeline Vi+"
    assert device["municipality_id"] == world.a.id
    assert device["phone_number"] == "+4791234567"
    assert device["cost"] == "2490.50"
    assert device["open_placement_id"] is None

    again = tech.post(
        "/api/v1/devices",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serial_number": "Ab1 2",
        },
    )
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["fields"]["serial_number"] == [
        "Serienummer AB12 er allerede registrert for dette produktet."
    ]
    assert error["details"] == {"device_id": device["id"]}

    bad_imei = tech.post(
        "/api/v1/devices",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serial_number": "CD34",
            "imei": "352099001761482",
        },
    )
    assert bad_imei.status_code == 422
    assert bad_imei.get_json()["error"]["fields"]["imei"] == [
        "Et IMEI-nummer har 15 sifre med gyldig kontrollsiffer."
    ]


def test_register_into_another_municipalitys_store_answers_404(tech, world):
    """A technician cannot put devices into a store outside their municipalities."""
    response = tech.post(
        "/api/v1/devices",
        json={"product_id": world.product.id, "store_id": world.store_b.id, "serial_number": "Z1"},
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_device_patch_changes_identifiers_and_guards_the_version(tech, world):
    """Firmware and SIM data can be corrected; an out-of-date edit answers 409."""
    device = _register(tech, world, "FW1")
    changed = tech.patch(
        f"/api/v1/devices/{device['id']}",
        json={"firmware_version": "4.2.1", "version": device["version"]},
    )
    assert changed.status_code == 200
    assert changed.get_json()["firmware_version"] == "4.2.1"
    stale = tech.patch(
        f"/api/v1/devices/{device['id']}",
        json={"firmware_version": "4.3", "version": device["version"]},
    )
    assert stale.status_code == 409
    assert tech.get(f"/api/v1/devices/{device['id']}").get_json()["firmware_version"] == "4.2.1"


def test_bulk_receive_is_all_or_nothing(tech, world):
    """A delivery of three serials registers three devices; one bad line registers none."""
    response = tech.post(
        "/api/v1/devices/receive",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serials": ["r1", " R 2", "", "r3"],
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["count"] == 3
    assert [d["serial_number"] for d in body["items"]] == ["R1", "R2", "R3"]
    assert {d["status"] for d in body["items"]} == {"in_stock"}

    refused = tech.post(
        "/api/v1/devices/receive",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serials": ["R4", "r2", "r4", "R5"],
        },
    )
    assert refused.status_code == 422
    lines = refused.get_json()["error"]["fields"]["serials"]
    assert "Linje 3: R4 står også på linje 1." in lines
    assert "Linje 2: R2 er allerede registrert." in lines
    assert len(lines) == 2
    listed = tech.get("/api/v1/devices").get_json()["items"]
    assert sorted(d["serial_number"] for d in listed) == ["R1", "R2", "R3"]


def test_devices_are_found_by_partial_serial_imei_and_phone(tech, world):
    """The service desk finds a device from the start or the end of its serial, or its SIM's number."""
    first = _register(tech, world, "TA-100234", phone_number="91234567", imei="352099001761481")
    _register(tech, world, "TA-200999", phone_number="47000000")
    _register(tech, world, "XB_1")

    def serials(query):
        response = tech.get(f"/api/v1/devices?{query}")
        assert response.status_code == 200
        return [d["serial_number"] for d in response.get_json()["items"]]

    assert serials("serial=ta-100") == ["TA-100234"]
    assert serials("serial=ta") == ["TA-100234", "TA-200999"]
    assert serials("serial=xb_") == ["XB_1"]
    assert serials("serial=x_") == []  # «_» is literal, not a wildcard
    assert serials("serial=0234") == ["TA-100234"]  # the end of the serial
    assert serials("phone=912 34") == ["TA-100234"]
    assert serials("phone=0047 91234567") == ["TA-100234"]
    assert serials("imei=35 209900 176148 1") == ["TA-100234"]
    assert serials("status=installed") == []
    assert serials(f"store_id={world.store_a.id}&category=safety_alarm&serial=ta") == [
        "TA-100234",
        "TA-200999",
    ]
    one = tech.get(f"/api/v1/devices/{first['id']}").get_json()
    assert one["allowed_next"] == [
        "awaiting_reset",
        "in_repair",
        "in_transit",
        "installed",
        "lost",
        "scrapped",
    ]


def test_refused_status_change_lists_what_is_allowed(tech, world):
    """A scrapped device cannot go back in stock: 409 says so, with nothing allowed next."""
    device = _register(tech, world, "OLD-9")
    scrapped = tech.post(
        f"/api/v1/devices/{device['id']}/status", json={"to_status": "scrapped", "reason": "Knust"}
    )
    assert scrapped.status_code == 200
    assert scrapped.get_json()["status"] == "scrapped"
    assert scrapped.get_json()["store"] is None
    refused = tech.post(f"/api/v1/devices/{device['id']}/status", json={"to_status": "in_stock"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["status"] == "scrapped"
    assert error["details"]["allowed"] == []
    assert error["message"] == "Enheten har status «Kassert»."


def test_reset_needs_the_whole_checklist(tech, world):
    """A device awaiting reset goes back in stock only with every checklist item ticked."""
    device = _register(tech, world, "RS1")
    url = f"/api/v1/devices/{device['id']}/status"
    assert tech.post(url, json={"to_status": "awaiting_reset"}).status_code == 200
    half = tech.post(url, json={"to_status": "in_stock", "checklist": ["retrieved"]})
    assert half.status_code == 422
    assert "checklist" in half.get_json()["error"]["fields"]
    done = tech.post(url, json={"to_status": "in_stock", "checklist": FULL_CHECKLIST})
    assert done.status_code == 200
    assert done.get_json()["status"] == "in_stock"
    assert done.get_json()["store"]["id"] == world.store_a.id


# --- placements -----------------------------------------------------------------------


def test_install_and_the_ways_it_is_refused(app, factories, tech, admin, world):
    """Installing marks the device installed; busy devices, mixed municipalities and foreign recipients are refused."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    per = factories.recipient(world.a, name="Per Hansen")
    berit = factories.recipient(world.b, name="Berit i Meråker")
    device = _register(tech, world, "INST-1")

    placement = _install(
        tech,
        device["id"],
        kari.id,
        config_note="Ekstra høyt volum",
        config_settings={"volum": "10"},
        follow_up_on="2026-03-01",
    )
    assert placement["is_open"] is True
    assert placement["device"]["status"] == "installed"
    assert placement["recipient"] == {"id": kari.id, "name": "Kari Nordmann"}
    assert placement["config_settings"] == {"volum": "10"}
    assert placement["follow_up_on"] == "2026-03-01"
    shown = tech.get(f"/api/v1/devices/{device['id']}").get_json()
    assert shown["status"] == "installed"
    assert shown["store"] is None
    assert shown["open_placement_id"] == placement["id"]

    busy = tech.post("/api/v1/placements", json={"device_id": device["id"], "recipient_id": per.id})
    assert busy.status_code == 409
    error = busy.get_json()["error"]
    assert error["details"]["status"] == "installed"
    assert "Kari Nordmann" in error["message"]

    other = _register(admin, world, "INST-2")
    mixed = admin.post(
        "/api/v1/placements", json={"device_id": other["id"], "recipient_id": berit.id}
    )
    assert mixed.status_code == 422
    assert mixed.get_json()["error"]["fields"]["device_id"] == [
        "Enheten tilhører en annen kommune enn tjenestemottakeren."
    ]

    foreign = tech.post(
        "/api/v1/placements", json={"device_id": other["id"], "recipient_id": berit.id}
    )
    assert foreign.status_code == 404
    assert tech.get(f"/api/v1/devices/{other['id']}").get_json()["status"] == "in_stock"


def test_return_with_and_without_the_whole_checklist(app, factories, tech, world):
    """A return with every item ticked puts the device in stock; otherwise it awaits reset; twice is refused."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    product = tech.get(f"/api/v1/products/{world.product.id}").get_json()
    every_item = [i["key"] for i in product["checklist_items"]]
    clean = _register(tech, world, "RET-1")
    dirty = _register(tech, world, "RET-2")
    p1 = _install(tech, clean["id"], kari.id)
    p2 = _install(tech, dirty["id"], kari.id, confirmed=True)  # a second alarm, on purpose

    url = f"/api/v1/placements/{p1['id']}/return"
    body = {
        "reason": "service_ended",
        "destination": "store",
        "store_id": world.store_a.id,
        "checklist": every_item,
        "note": "Hentet hos datteren",
    }
    returned = tech.post(url, json=body)
    assert returned.status_code == 200
    assert returned.get_json()["is_open"] is False
    assert returned.get_json()["return_reason"] == "service_ended"
    assert all(returned.get_json()["return_checklist"].values())
    assert tech.get(f"/api/v1/devices/{clean['id']}").get_json()["status"] == "in_stock"

    partly = tech.post(
        f"/api/v1/placements/{p2['id']}/return",
        json={**body, "checklist": ["retrieved", "reset"]},
    )
    assert partly.status_code == 200
    assert partly.get_json()["return_checklist"]["cleaned"] is False
    shown = tech.get(f"/api/v1/devices/{dirty['id']}").get_json()
    assert shown["status"] == "awaiting_reset"
    assert shown["store"]["id"] == world.store_a.id

    twice = tech.post(url, json=body)
    assert twice.status_code == 409
    assert twice.get_json()["error"]["details"]["status"] == "in_stock"
    open_now = tech.get(f"/api/v1/placements?recipient_id={kari.id}&open=true").get_json()
    assert open_now["items"] == []


def test_return_needs_reason_and_a_store(app, factories, tech, world):
    """A return without a known reason or a store for the shelf is refused and names the fields."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    placement = _install(tech, _register(tech, world, "RET-9")["id"], kari.id)
    url = f"/api/v1/placements/{placement['id']}/return"
    assert tech.post(url, json={"destination": "store"}).get_json()["error"]["fields"] == {
        "reason": ["Dette feltet må fylles ut."]
    }
    no_store = tech.post(url, json={"reason": "moved", "destination": "store"})
    assert no_store.status_code == 422
    assert "store_id" in no_store.get_json()["error"]["fields"]
    foreign_store = tech.post(
        url, json={"reason": "moved", "destination": "store", "store_id": world.store_b.id}
    )
    assert foreign_store.status_code == 404
    assert tech.get(f"/api/v1/placements/{placement['id']}").get_json()["is_open"] is True


def test_a_body_naming_another_municipalitys_objects_changes_nothing(app, factories, tech, world):
    """A return or a swap that names Meråker's visit, store, device or placement answers 404,
    and the placement stays open with its device."""
    from vftops.auth.models import User
    from vftops.core.models import local_today
    from vftops.equipment.models import Recipient
    from vftops.equipment.operations import plan_visit

    kari = factories.recipient(world.a, name="Kari Nordmann")
    placement = _install(tech, _register(tech, world, "HOME-1")["id"], kari.id)
    spare = _register(tech, world, "HOME-2")
    berit = factories.recipient(world.b, name="Berit Meråker")
    their_device = factories.device(world.product, world.store_b, serial="MER-1")
    their_placement = factories.placement(
        factories.device(world.product, world.store_b, serial="MER-2"), berit
    )
    their_tech = factories.user("technician", municipalities=[world.b])
    with app.app_context():
        visit = plan_visit(
            None,
            db.session.get(Recipient, berit.id),
            kind="test",
            assigned_to=db.session.get(User, their_tech.id),
            planned_on=local_today(),
        )
        db.session.commit()
        their_visit = visit.id
    back = {"reason": "moved", "destination": "store", "store_id": world.store_a.id}
    swap = {"replacement_device_id": spare["id"], "destination": "repair", "reason": "faulty"}
    url = f"/api/v1/placements/{placement['id']}"
    for path, body in (
        ("/return", {**back, "visit_id": their_visit}),
        ("/return", {**back, "store_id": world.store_b.id}),
        ("/replace", {**swap, "replacement_device_id": their_device.id}),
        ("/replace", {**swap, "store_id": world.store_b.id}),
        ("/replace", {**swap, "visit_id": their_visit}),
    ):
        answer = tech.post(url + path, json=body)
        assert answer.status_code == 404, (path, body)
        assert answer.get_json()["error"]["code"] == "not_found"
    assert (
        tech.post(f"/api/v1/placements/{their_placement.id}/return", json=back).status_code == 404
    )
    shown = tech.get(url).get_json()
    assert shown["is_open"] is True
    assert shown["device"]["serial_number"] == "HOME-1"
    assert tech.get(f"/api/v1/devices/{spare['id']}").get_json()["status"] == "in_stock"
    assert _audit_count(app, "placement.return") == 0


def test_replace_keeps_the_configuration(app, factories, tech, world):
    """Swapping a faulty alarm sends it to repair and installs the spare with the same settings."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    faulty = _register(tech, world, "OLD-1")
    spare = _register(tech, world, "NEW-1")
    old = _install(
        tech, faulty["id"], kari.id, config_note="Høyt volum", config_settings={"volum": "10"}
    )
    response = tech.post(
        f"/api/v1/placements/{old['id']}/replace",
        json={"replacement_device_id": spare["id"], "note": "Knapp virker ikke"},
    )
    assert response.status_code == 201
    new = response.get_json()
    assert new["device_id"] == spare["id"]
    assert new["recipient_id"] == kari.id
    assert new["config_settings"] == {"volum": "10"}
    assert new["config_note"] == "Høyt volum"
    assert new["replaces_id"] == old["id"]
    assert tech.get(f"/api/v1/devices/{faulty['id']}").get_json()["status"] == "in_repair"
    assert tech.get(f"/api/v1/placements/{old['id']}").get_json()["return_reason"] == "faulty"
    same = tech.post(
        f"/api/v1/placements/{new['id']}/replace",
        json={"replacement_device_id": spare["id"]},
    )
    assert same.status_code == 422
    assert "replacement_device_id" in same.get_json()["error"]["fields"]
    scrap = tech.post(
        f"/api/v1/placements/{new['id']}/replace",
        json={"replacement_device_id": faulty["id"], "destination": "lost"},
    )
    assert scrap.status_code == 422
    assert "destination" in scrap.get_json()["error"]["fields"]


# --- recipients -----------------------------------------------------------------------


def test_recipient_read_is_logged_and_list_is_minimal(app, tech, world):
    """Opening a recipient writes a «recipient.view» audit event; the list shows no address or phone."""
    created = tech.post(
        "/api/v1/recipients",
        json={
            "municipality_id": world.a.id,
            "name": "Kari Nordmann",
            "address": "Storgata 1",
            "postal_code": "7500",
            "city": "Stjørdal",
            "phone": "91234567",
            "access_note": "Nøkkelboks ved døren, kode hos sonen",
            "journal_ref": "EPJ-1001",
            "is_critical": True,
            "relatives": [
                {"name": "Ola Nordmann", "phone": "98765432", "responds_to_alarms": True}
            ],
        },
    )
    assert created.status_code == 201
    recipient = created.get_json()
    assert recipient["relatives"][0]["phone"] == "+4798765432"

    before = _audit_count(app, "recipient.view")
    listed = tech.get("/api/v1/recipients?q=epj-10").get_json()["items"]
    assert listed == [
        {
            "id": recipient["id"],
            "name": "Kari Nordmann",
            "municipality_id": world.a.id,
            "unit_id": None,
            "is_critical": True,
        }
    ]
    assert _audit_count(app, "recipient.view") == before

    shown = tech.get(f"/api/v1/recipients/{recipient['id']}").get_json()
    assert shown["address"] == "Storgata 1"
    assert shown["access_note"] == "Nøkkelboks ved døren, kode hos sonen"
    assert [r["name"] for r in shown["relatives"]] == ["Ola Nordmann"]
    assert _audit_count(app, "recipient.view") == before + 1


def test_recipient_patch_replaces_relatives_and_guards_the_version(tech, world):
    """Editing a recipient from an out-of-date copy is refused; relatives are replaced as a list."""
    recipient = tech.post(
        "/api/v1/recipients", json={"municipality_id": world.a.id, "name": "Per Hansen"}
    ).get_json()
    changed = tech.patch(
        f"/api/v1/recipients/{recipient['id']}",
        json={
            "phone": "912 34 567",
            "relatives": [{"name": "Anne Hansen", "relation": "Datter"}],
            "version": recipient["version"],
        },
    )
    assert changed.status_code == 200
    assert changed.get_json()["phone"] == "+4791234567"
    assert [r["relation"] for r in changed.get_json()["relatives"]] == ["Datter"]
    stale = tech.patch(
        f"/api/v1/recipients/{recipient['id']}",
        json={"name": "Per H.", "version": recipient["version"]},
    )
    assert stale.status_code == 409
    ended = tech.patch(
        f"/api/v1/recipients/{recipient['id']}", json={"service_ended_on": "2026-02-01"}
    )
    assert ended.get_json()["service_ended_on"] == "2026-02-01"
    assert [
        r["id"] for r in tech.get("/api/v1/recipients?service_ended=true").get_json()["items"]
    ] == [recipient["id"]]
    assert tech.get("/api/v1/recipients?service_ended=false").get_json()["items"] == []
    foreign = tech.post("/api/v1/recipients", json={"municipality_id": world.b.id, "name": "X"})
    assert foreign.status_code == 404


def test_technician_of_one_municipality_cannot_reach_anothers(app, factories, tech, world):
    """B's recipient, device, placement and ledger answer 404 to A's technician and stay out of lists."""
    berit = factories.recipient(world.b, name="Berit i Meråker")
    device_b = factories.device(world.product, world.store_b, serial="B-1")
    placement_b = factories.placement(device_b, berit)
    own = _register(tech, world, "A-1")

    for path in (
        f"/api/v1/recipients/{berit.id}",
        f"/api/v1/devices/{device_b.id}",
        f"/api/v1/placements/{placement_b.id}",
    ):
        response = tech.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    assert (
        tech.patch(f"/api/v1/devices/{device_b.id}", json={"firmware_version": "x"}).status_code
        == 404
    )
    assert tech.get("/api/v1/recipients").get_json()["items"] == []
    assert [d["id"] for d in tech.get("/api/v1/devices").get_json()["items"]] == [own["id"]]
    assert tech.get(f"/api/v1/devices?municipality_id={world.b.id}").get_json()["items"] == []
    assert tech.get("/api/v1/placements").get_json()["items"] == []
    ledger = tech.get("/api/v1/movements").get_json()["items"]
    assert {m["device_id"] for m in ledger} == {own["id"]}


# --- movements ------------------------------------------------------------------------


def test_movements_show_a_devices_life_newest_first_and_are_read_only(app, factories, tech, world):
    """The ledger for a device reads return, install, receive; it cannot be written through the API."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    device = _register(tech, world, "LIFE-1")
    placement = _install(tech, device["id"], kari.id)
    tech.post(
        f"/api/v1/placements/{placement['id']}/return",
        json={"reason": "faulty", "destination": "repair"},
    )
    ledger = tech.get(f"/api/v1/movements?device_id={device['id']}").get_json()["items"]
    assert [(m["kind"], m["from_status"], m["to_status"]) for m in ledger] == [
        ("return", "installed", "in_repair"),
        ("install", "in_stock", "installed"),
        ("receive", None, "in_stock"),
    ]
    assert ledger[1]["placement_id"] == placement["id"]
    assert ledger[0]["actor_name"].startswith("Person ")
    assert [m["kind"] for m in tech.get("/api/v1/movements?kind=install").get_json()["items"]] == [
        "install"
    ]
    one = tech.get(f"/api/v1/movements/{ledger[2]['id']}").get_json()
    assert one["to_store_id"] == world.store_a.id

    for method, path in (
        ("POST", "/api/v1/movements"),
        ("PATCH", f"/api/v1/movements/{ledger[0]['id']}"),
        ("DELETE", f"/api/v1/movements/{ledger[0]['id']}"),
        ("PUT", f"/api/v1/movements/{ledger[0]['id']}"),
    ):
        response = tech.open(path, method=method, json={"kind": "scrap"})
        assert response.status_code == 405, (method, path)
        assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert len(tech.get(f"/api/v1/movements?device_id={device['id']}").get_json()["items"]) == 3


def test_ledger_pages_with_a_cursor(tech, world):
    """Long ledgers are paged newest first with next_cursor, without gaps or repeats."""
    tech.post(
        "/api/v1/devices/receive",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serials": [f"P{i}" for i in range(5)],
        },
    )
    first = tech.get("/api/v1/movements?limit=3").get_json()
    assert len(first["items"]) == 3
    rest = tech.get(f"/api/v1/movements?limit=3&cursor={first['next_cursor']}").get_json()
    ids = [m["id"] for m in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5
    assert rest["next_cursor"] is None


# --- contract -------------------------------------------------------------------------


def test_openapi_document_describes_the_equipment_register(client):
    """Integrators find every equipment endpoint in /api/v1/openapi.json, with examples."""
    spec = client.get("/api/v1/openapi.json").get_json()
    expected = {
        "/api/v1/products": {"get", "post"},
        "/api/v1/products/{product_id}": {"get", "patch"},
        "/api/v1/suppliers": {"get", "post"},
        "/api/v1/suppliers/{supplier_id}": {"get", "patch"},
        "/api/v1/stores": {"get", "post"},
        "/api/v1/stores/{store_id}": {"get", "patch"},
        "/api/v1/devices": {"get", "post"},
        "/api/v1/devices/receive": {"post"},
        "/api/v1/devices/{device_id}": {"get", "patch"},
        "/api/v1/devices/{device_id}/status": {"post"},
        "/api/v1/recipients": {"get", "post"},
        "/api/v1/recipients/{recipient_id}": {"get", "patch"},
        "/api/v1/placements": {"get", "post"},
        "/api/v1/placements/{placement_id}": {"get"},
        "/api/v1/placements/{placement_id}/return": {"post"},
        "/api/v1/placements/{placement_id}/replace": {"post"},
        "/api/v1/movements": {"get"},
        "/api/v1/movements/{movement_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in spec["paths"], path
        documented = set(spec["paths"][path]) - {"parameters"}
        assert documented == methods, path
        for method in methods:
            operation = spec["paths"][path][method]
            assert operation["summary"], (method, path)
            if method in ("post", "patch"):
                content = operation["requestBody"]["content"]["application/json"]
                assert content["example"], (method, path)
    install = spec["paths"]["/api/v1/placements"]["post"]
    assert "409" in install["responses"]


def _populate(app, factories, client, world, start: int, count: int) -> None:
    """`count` more devices received, each installed at its own recipient."""
    body = client.post(
        "/api/v1/devices/receive",
        json={
            "product_id": world.product.id,
            "store_id": world.store_a.id,
            "serials": [f"N{start + i}" for i in range(count)],
        },
    ).get_json()
    for device in body["items"]:
        recipient = factories.recipient(world.a)
        _install(client, device["id"], recipient.id)


LISTS = (
    "/api/v1/devices",
    "/api/v1/devices?status=installed&category=safety_alarm",
    "/api/v1/placements",
    "/api/v1/movements",
    "/api/v1/recipients",
    "/api/v1/products",
    "/api/v1/stores",
)


def test_lists_do_not_query_per_row(app, factories, tech, world):
    """A page of 30 devices costs the database as many statements as a page of 3."""

    def statements_per_list():
        tech.get("/api/v1/users/me")  # warm up the token's bookkeeping
        counts = {}
        for path in LISTS:
            with count_statements(app) as statements:
                response = tech.get(path)
            assert response.status_code == 200, path
            counts[path] = (len(response.get_json()["items"]), len(statements))
        return counts

    _populate(app, factories, tech, world, 0, 3)
    few = statements_per_list()
    _populate(app, factories, tech, world, 3, 27)
    many = statements_per_list()
    assert many["/api/v1/devices"][0] == 30
    assert many["/api/v1/movements"][0] == 50  # one page
    for path in LISTS:
        assert few[path][1] == many[path][1], (path, few[path], many[path])


def test_device_list_names_open_placements_in_one_page(app, factories, tech, world):
    """Installed devices in the list point at their placement, free ones at nothing."""
    kari = factories.recipient(world.a, name="Kari Nordmann")
    free = _register(tech, world, "FREE-1")
    busy = _register(tech, world, "BUSY-1")
    placement = _install(tech, busy["id"], kari.id)
    items = {d["id"]: d for d in tech.get("/api/v1/devices").get_json()["items"]}
    assert items[free["id"]]["open_placement_id"] is None
    assert items[busy["id"]]["open_placement_id"] == placement["id"]
    with app.app_context():
        assert db.session.get(Device, busy["id"]).status == "installed"
