"""What a technician and a store person stumbled on in their first week: a serial already
registered for another product, an install at the wrong person, and a job that stayed
open after it was done."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, login
from vftops.core.models import local_today


@pytest.fixture
def world(app, factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    store = factories.store(m, name="Sentrallager")
    hub = factories.product("other", manufacturer="Tunstall", model="Smart Hub")
    sensor = factories.product("fall_sensor", manufacturer="Doro", model="Fallsensor")
    alarm = factories.product("safety_alarm", manufacturer="Tunstall", model="Lifeline Vi+")
    tech = factories.user("technician", municipalities=[m], username="tore")
    return SimpleNamespace(
        app=app, m=m, store=store, hub=hub, sensor=sensor, alarm=alarm, tech=tech, f=factories
    )


def _post(client, page_url, post_url, data):
    """Post a form as the page gave it: its CSRF token and the version it was opened on."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', html)
    given = {"version": version.group(1)} if version else {}
    return client.post(post_url, data={**given, **data, "csrf_token": csrf_from(html)})


def _devices(app, serial):
    from vftops.equipment.models import Device
    from vftops.extensions import db

    with app.app_context():
        return db.session.scalars(select(Device).where(Device.serial_number == serial)).all()


# --- a serial that another product has ------------------------------------------------


def test_receiving_a_serial_of_another_product_is_refused_and_named(client, world):
    """A Smart Hub's serial received as a fall sensor is refused, naming the Smart Hub;
    ticking that two manufacturers use the number registers it after all."""
    world.f.device(world.hub, world.store, serial="HUB-1001")
    login(client, world.tech)
    data = {
        "product_id": str(world.sensor.id),
        "store_id": str(world.store.id),
        "serials": "HUB-1001\nNEW-2002",
    }
    refused = _post(client, "/devices/receive", "/devices/receive", data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Linje 1: HUB-1001 er allerede registrert på Tunstall Smart Hub." in html
    assert "HUB-1001\nNEW-2002" in html  # what was scanned is kept
    assert len(_devices(world.app, "NEW-2002")) == 0  # all or nothing

    done = _post(client, "/devices/receive", "/devices/receive", {**data, "shared_serial_ok": "y"})
    assert done.status_code == 302
    assert len(_devices(world.app, "HUB-1001")) == 2


def test_the_api_refuses_a_serial_of_another_product_unless_told_otherwise(
    client, world, factories
):
    """The API answers 422 (delivery) or 409 (one device) naming the other product, and
    registers it with the explicit flag."""
    world.f.device(world.hub, world.store, serial="HUB-7")
    headers = {"Authorization": f"Bearer {factories.token(world.tech)}"}
    delivery = {"product_id": world.sensor.id, "store_id": world.store.id, "serials": ["HUB-7"]}
    refused = client.post("/api/v1/devices/receive", json=delivery, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["serials"] == [
        "Linje 1: HUB-7 er allerede registrert på Tunstall Smart Hub."
    ]
    one = {"product_id": world.sensor.id, "store_id": world.store.id, "serial_number": "hub-7"}
    refused = client.post("/api/v1/devices", json=one, headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["details"]["registered_for"] == "Tunstall Smart Hub"
    done = client.post("/api/v1/devices", json={**one, "shared_serial_ok": True}, headers=headers)
    assert done.status_code == 201
    assert done.get_json()["serial_number"] == "HUB-7"


def test_scanning_a_serial_two_devices_carry_offers_a_choice(client, world):
    """A scanned serial that two products carry opens neither: the page lists both with
    their product, so the technician picks the one on the label."""
    world.f.device(world.hub, world.store, serial="TWIN-1")
    from vftops.equipment.models import Product, Store
    from vftops.equipment.operations import register_device
    from vftops.extensions import db

    with world.app.app_context():
        register_device(
            None,
            product=db.session.get(Product, world.sensor.id),
            store=db.session.get(Store, world.store.id),
            serial_number="TWIN-1",
            shared_serial_ok=True,
        )
        db.session.commit()
    world.f.device(world.alarm, world.store, serial="TWIN-10")
    login(client, world.tech)
    page = client.get("/search?q=twin-1&go=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="same-serial"' in html
    choice = html[html.index('data-testid="same-serial"') :]
    choice = choice[: choice.index("</ul>")]
    assert "Tunstall Smart Hub" in choice
    assert "Doro Fallsensor" in choice
    assert "TWIN-10" not in choice
    # One exact match among longer ones opens the device at once.
    opened = client.get("/search?q=TWIN-10&go=1")
    assert opened.status_code == 302
    assert re.fullmatch(r"/devices/\d+", opened.headers["Location"])


# --- installing at the wrong person ---------------------------------------------------


def test_installing_at_someone_whose_service_ended_needs_a_confirmation(client, world):
    """The install is refused with a warning and what was typed kept; ticking «I have
    checked» installs it."""
    from vftops.equipment.models import Recipient
    from vftops.extensions import db

    person = world.f.recipient(world.m, name="Arne Moen")
    with world.app.app_context():
        db.session.get(Recipient, person.id).service_ended_on = local_today() - timedelta(days=3)
        db.session.commit()
    device = world.f.device(world.alarm, world.store, serial="ALARM-1")
    login(client, world.tech)
    data = {"recipient_id": str(person.id), "config_note": "Ekstra knapp på badet"}
    url = f"/devices/{device.id}/install"
    refused = _post(client, url, url, data)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert 'data-testid="install-warnings"' in html
    assert "Tjenesten for Arne Moen ble avsluttet" in html
    assert "Ekstra knapp på badet" in html
    assert 'name="confirmed"' in html
    assert _devices(world.app, "ALARM-1")[0].status == "in_stock"
    done = _post(client, url, url, {**data, "confirmed": "y"})
    assert done.status_code == 302
    assert _devices(world.app, "ALARM-1")[0].status == "installed"


def test_a_second_device_of_the_same_kind_needs_a_confirmation_in_the_api(client, world, factories):
    """The API answers 409 with the warnings until `confirmed`; another kind of device is
    installed without a question."""
    person = world.f.recipient(world.m, name="Kari Nordmann")
    first = world.f.device(world.alarm, world.store, serial="ALARM-A")
    world.f.placement(first, person)
    second = world.f.device(world.alarm, world.store, serial="ALARM-B")
    sensor = world.f.device(world.sensor, world.store, serial="SENSOR-A")
    headers = {"Authorization": f"Bearer {factories.token(world.tech)}"}
    body = {"device_id": second.id, "recipient_id": person.id}
    refused = client.post("/api/v1/placements", json=body, headers=headers)
    assert refused.status_code == 409
    warnings = refused.get_json()["error"]["details"]["warnings"]
    assert warnings == [
        "Kari Nordmann har allerede Tunstall Lifeline Vi+ ALARM-A i bruk, av samme slag."
    ]
    assert (
        client.post(
            "/api/v1/placements", json={**body, "confirmed": True}, headers=headers
        ).status_code
        == 201
    )
    other = {"device_id": sensor.id, "recipient_id": person.id}
    assert client.post("/api/v1/placements", json=other, headers=headers).status_code == 201


# --- a job done is a job closed -------------------------------------------------------


def _plan(world, person, kind, **kw):
    from vftops.auth.models import User
    from vftops.equipment.models import Recipient
    from vftops.equipment.operations import plan_visit
    from vftops.extensions import db

    with world.app.app_context():
        visit = plan_visit(
            None,
            db.session.get(Recipient, person.id),
            kind=kind,
            assigned_to=db.session.get(User, world.tech.id),
            planned_on=local_today(),
            **kw,
        )
        db.session.commit()
        return visit.id


def _open_jobs(client) -> str:
    html = client.get("/my-day").get_data(as_text=True)
    return html


@pytest.mark.parametrize("kind", ["install", "return", "replace"])
def test_doing_the_job_from_its_card_closes_the_card(client, world, kind):
    """Installing, taking back or replacing from a card on «My jobs today» marks the job
    done: the card is gone without a separate «Done»."""
    from vftops.equipment.models import Device, Placement, Visit
    from vftops.extensions import db

    person = world.f.recipient(world.m, name="Per Hansen", address="Storgata 1")
    if kind == "install":
        device = world.f.device(world.alarm, world.store, serial="JOB-1")
        with world.app.app_context():
            visit_id = _plan(world, person, "install", device=db.session.get(Device, device.id))
    else:
        old = world.f.device(world.alarm, world.store, serial="OLD-1")
        placement = world.f.placement(old, person)
        world.f.device(world.alarm, world.store, serial="SPARE-1")
        with world.app.app_context():
            visit_id = _plan(world, person, kind, placement=db.session.get(Placement, placement.id))
    login(client, world.tech)
    day = _open_jobs(client)
    link = re.search(rf'href="([^"]*visit={visit_id}[^"]*)"', day).group(1).replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "visit_id": str(visit_id)}
    if kind == "install":
        version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
        data |= {"recipient_id": str(person.id), "version": version}
    elif kind == "return":
        data |= {
            "reason": "service_ended",
            "destination": "store",
            "store_id": str(world.store.id),
            "checklist": ["retrieved", "reset", "cleaned", "inspected"],
        }
    else:
        spare = _devices(world.app, "SPARE-1")[0]
        data |= {"replacement_id": str(spare.id), "destination": "repair"}
    response = client.post(link.split("?")[0], data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    with world.app.app_context():
        assert db.session.get(Visit, visit_id).status == "done"
    assert f"visit={visit_id}" not in _open_jobs(client)


def test_choosing_the_device_for_a_planned_install_closes_the_job(client, world):
    """A job planned with «decide at the store» leads to the devices in stock, each with
    «Install at …»; installing one from there marks the job done with that device."""
    from vftops.equipment.models import Visit
    from vftops.extensions import db

    person = world.f.recipient(world.m, name="Liv Berg")
    world.f.device(world.alarm, world.store, serial="PICK-1")
    visit_id = _plan(world, person, "install")
    login(client, world.tech)
    day = _open_jobs(client)
    link = re.search(rf'href="([^"]*visit={visit_id}[^"]*)"', day).group(1).replace("&amp;", "&")
    listing = client.get(link).get_data(as_text=True)
    assert "Installer hos Liv Berg" in listing
    install = re.search(r'data-testid="install-for-job" href="([^"]+)"', listing).group(1)
    install = install.replace("&amp;", "&")
    page = client.get(install).get_data(as_text=True)
    response = client.post(
        install.split("?")[0],
        data={
            "csrf_token": csrf_from(page),
            "recipient_id": str(person.id),
            "visit_id": re.search(r'name="visit_id"[^>]*value="(\d+)"', page).group(1),
            "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1),
        },
    )
    assert response.status_code == 302
    with world.app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert visit.status == "done"
        assert visit.device_id == _devices(world.app, "PICK-1")[0].id


# --- a long history is paged ------------------------------------------------------------


def test_a_recipient_with_a_long_history_shows_the_newest_and_offers_the_rest(app, client, world):
    """A recipient who has had 60 devices shows the current one and the newest 50 earlier
    ones, with a link to all 60 (a recipient with 1,380 took 228 ms and 234 KB)."""
    from vftops.equipment.models import Placement, Store
    from vftops.equipment.operations import return_device
    from vftops.extensions import db

    person = world.f.recipient(world.m, name="Lang Historie")
    for n in range(61):
        device = world.f.device(world.sensor, world.store, serial=f"HIST-{n:03d}")
        placement = world.f.placement(device, person)
        if n < 60:
            with app.app_context():
                return_device(
                    None,
                    db.session.get(Placement, placement.id),
                    reason="faulty",
                    destination="store",
                    store=db.session.get(Store, world.store.id),
                )
                db.session.commit()
    login(client, world.f.user("servicedesk", municipalities=[world.m]))
    html = client.get(f"/recipients/{person.id}").get_data(as_text=True)
    past = html[html.index('data-testid="past-devices"') :]
    past = past[: past.index("</ul>")]
    assert past.count("<li>") == 50
    assert "HIST-059" in past  # the newest first
    assert "HIST-009" not in past
    assert "Vis alle tidligere enheter (60)" in html
    assert "HIST-060" in html[html.index('data-testid="current-devices"') :]
    everything = client.get(f"/recipients/{person.id}?history=all").get_data(as_text=True)
    past = everything[everything.index('data-testid="past-devices"') :]
    assert past[: past.index("</ul>")].count("<li>") == 60
