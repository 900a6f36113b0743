"""The technician's and the service desk's pages, driven through real forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import count_statements, csrf_from, login
from vftops.core.audit import AuditEvent
from vftops.equipment.models import Device, Movement, Placement
from vftops.extensions import db


@pytest.fixture
def setup(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    store = factories.store(m, name="Sentrallager")
    product = factories.product(
        "safety_alarm", model="Lifeline Vi+", return_checklist=["Nøkkelboks tømt"]
    )
    recipient = factories.recipient(
        m, name="Kari Nordmann", address="Kjøpmannsgata 1", access_note="Nøkkelboks ved døra"
    )
    tech = factories.user("technician", municipalities=[m], username="tore")
    return {
        "m": m,
        "other": other,
        "store": store,
        "product": product,
        "recipient": recipient,
        "tech": tech,
    }


def post_form(client, url, data, page=None):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


def version_of(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)


def test_receive_a_delivery_by_pasting_serials(app, client, setup):
    """A pasted list of serials becomes devices in the store, all at once."""
    s = setup
    login(client, s["tech"])
    response = post_form(
        client,
        "/devices/receive",
        {
            "product_id": s["product"].id,
            "store_id": s["store"].id,
            "reason": "Ordre 4711",
            "serials": "ta 1001\nTA1002\n\n ta-1003 ",
        },
    )
    assert response.status_code == 302
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    for serial in ("TA1001", "TA1002", "TA-1003"):
        assert serial in listing


def test_bad_delivery_names_the_lines_and_keeps_the_paste(app, client, setup, factories):
    """A delivery with a taken serial registers nothing, names the line and keeps what was pasted."""
    s = setup
    factories.device(s["product"], s["store"], serial="TA2002")
    login(client, s["tech"])
    response = post_form(
        client,
        "/devices/receive",
        {
            "product_id": s["product"].id,
            "store_id": s["store"].id,
            "serials": "TA2001\nTA2002\nTA2003",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "TA2002" in html
    assert re.search(r"(Linje|Line) 2", html)
    assert "TA2001\nTA2002\nTA2003" in html  # the textarea keeps the paste
    with app.app_context():
        assert db.session.scalar(select(func.count(Device.id))) == 1


def test_duplicate_serial_links_the_existing_device(client, setup, factories):
    """Registering a serial that exists shows the error beside the field and a link to the device."""
    s = setup
    first = factories.device(s["product"], s["store"], serial="AB1234")
    login(client, s["tech"])
    response = post_form(
        client,
        "/devices/new",
        {
            "product_id": s["product"].id,
            "store_id": s["store"].id,
            "serial_number": "ab 12 34",
            "ownership": "owned",
        },
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="serial_number-error"' in html
    assert f'href="/devices/{first.id}"' in html
    assert 'value="ab 12 34"' in html


def test_install_replace_and_return_through_the_pages(app, client, setup, factories):
    """Install with a custom setting, replace when it fails, take it back: every step is on the pages."""
    s = setup
    device = factories.device(s["product"], s["store"], serial="OLD100")
    spare = factories.device(s["product"], s["store"], serial="NEW200")
    login(client, s["tech"])
    page = client.get(f"/devices/{device.id}/install").get_data(as_text=True)
    response = client.post(
        f"/devices/{device.id}/install",
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            "recipient_id": s["recipient"].id,
            "config_note": "Ekstra høyt volum",
            "config_settings": "talevolum = 9",
            "training_note": "Vist til datter",
        },
    )
    assert response.status_code == 302
    recipient_page = client.get(f"/recipients/{s['recipient'].id}").get_data(as_text=True)
    current = re.search(r'data-testid="current-devices">(.*?)</ul>', recipient_page, re.S).group(1)
    assert "OLD100" in current
    assert "talevolum = 9" in current
    with app.app_context():
        placement_id = db.session.scalar(
            select(Placement.id).where(Placement.device_id == device.id)
        )
    response = post_form(
        client,
        f"/placements/{placement_id}/replace",
        {
            "replacement_id": spare.id,
            "destination": "repair",
            "note": "Knappen virker ikke",
        },
    )
    assert response.status_code == 302
    recipient_page = client.get(f"/recipients/{s['recipient'].id}").get_data(as_text=True)
    current = re.search(r'data-testid="current-devices">(.*?)</ul>', recipient_page, re.S).group(1)
    past = re.search(r'data-testid="past-devices">(.*?)</ul>', recipient_page, re.S).group(1)
    assert "NEW200" in current
    assert "talevolum = 9" in current  # the same configuration
    assert "OLD100" in past
    device_page = client.get(f"/devices/{device.id}").get_data(as_text=True)
    assert 'data-testid="device-status"' in device_page
    with app.app_context():
        assert db.session.get(Device, device.id).status == "in_repair"
        new_placement = db.session.scalar(
            select(Placement.id).where(Placement.device_id == spare.id)
        )
    # Take the replacement back with the whole checklist: it is ready for use again.
    response = post_form(
        client,
        f"/placements/{new_placement}/return",
        {
            "reason": "service_ended",
            "destination": "store",
            "store_id": s["store"].id,
            "checklist": ["retrieved", "reset", "cleaned", "inspected", "extra1"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Device, spare.id).status == "in_stock"
        kinds = db.session.scalars(
            select(Movement.kind).where(Movement.device_id == spare.id).order_by(Movement.id)
        ).all()
    assert kinds == ["receive", "install", "return"]
    timeline = client.get(f"/devices/{spare.id}").get_data(as_text=True)
    assert timeline.count('<li class="border-start') == 3


def test_install_of_a_device_that_is_out_is_refused_with_where(client, setup, factories):
    """Opening install for an installed device says where it is instead."""
    s = setup
    device = factories.device(s["product"], s["store"])
    factories.placement(device, s["recipient"])
    login(client, s["tech"])
    response = client.get(f"/devices/{device.id}/install")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kari Nordmann" in html


def test_viewing_a_recipient_is_logged(app, client, setup):
    """Every look at a recipient's page leaves a line in the audit log (Normen)."""
    s = setup
    login(client, s["tech"])
    for _ in range(2):
        assert client.get(f"/recipients/{s['recipient'].id}").status_code == 200
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "recipient.view")
        ).all()
    assert len(views) == 2
    assert {v.actor_id for v in views} == {s["tech"].id}
    assert {v.object_id for v in views} == {str(s["recipient"].id)}


def test_other_municipalitys_recipients_stay_hidden(client, setup, factories):
    """A technician in Stjørdal cannot open or find Meråker's recipients or devices."""
    s = setup
    theirs = factories.recipient(s["other"], name="Per Meråker")
    their_store = factories.store(s["other"], name="Meråker lager")
    their_device = factories.device(s["product"], their_store, serial="MER001")
    login(client, s["tech"])
    assert client.get(f"/recipients/{theirs.id}").status_code == 404
    assert client.get(f"/devices/{their_device.id}").status_code == 404
    assert client.get(f"/devices/{their_device.id}/install").status_code == 404
    found = client.get("/search?q=Meråker").get_data(as_text=True)
    assert "Per Meråker" not in found
    found = client.get("/search?q=MER001").get_data(as_text=True)
    assert 'data-testid="search-devices"' not in found
    assert f'href="/devices/{their_device.id}"' not in found
    assert "Per Meråker" not in client.get("/recipients").get_data(as_text=True)


def test_one_search_finds_by_partial_serial_phone_and_name(client, setup, factories):
    """The header search finds a device by the start or end of its serial or its phone number, and a recipient by name."""
    s = setup
    device = factories.device(
        s["product"], s["store"], serial="TUN-445566", phone_number="91234567"
    )
    login(client, s["tech"])
    for part in ("5566", "tun-44"):
        html = client.get(f"/search?q={part}").get_data(as_text=True)
        assert "TUN-445566" in html, part
    html = client.get("/search?q=912 345").get_data(as_text=True)
    assert "TUN-445566" in html
    html = client.get("/search?q=nordm").get_data(as_text=True)
    assert "Kari Nordmann" in html
    response = client.get("/search?q=TUN-445566&go=1")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/devices/{device.id}"


def test_device_page_queries_do_not_grow_with_history(app, client, setup, factories):
    """A device with a long history costs the same number of queries as a new one."""
    from vftops.equipment import operations as ops
    from vftops.equipment.models import Recipient

    s = setup
    short = factories.device(s["product"], s["store"], serial="SHORT")
    long = factories.device(s["product"], s["store"], serial="LONG")
    with app.app_context():
        from vftops.equipment.models import Store

        store = db.session.get(Store, s["store"].id)
        for _ in range(15):
            p = ops.install(
                None, db.session.get(Device, long.id), db.session.get(Recipient, s["recipient"].id)
            )
            ops.return_device(
                None,
                p,
                reason="faulty",
                destination="store",
                store=store,
                checklist=["retrieved", "reset", "cleaned", "inspected", "extra1"],
            )
        db.session.commit()
    login(client, s["tech"])
    client.get(f"/devices/{short.id}")
    with count_statements(app) as few:
        client.get(f"/devices/{short.id}")
    with count_statements(app) as many:
        html = client.get(f"/devices/{long.id}").get_data(as_text=True)
    assert html.count('<li class="border-start') == 31
    assert len(few) == len(many)
    with count_statements(app) as page_short:
        client.get(f"/recipients/{s['recipient'].id}")
    assert len(page_short) < 20


def test_device_list_does_not_query_per_row(app, client, setup, factories):
    """The device list costs the same with 3 devices as with 40, installed or not."""
    s = setup
    for i in range(3):
        d = factories.device(s["product"], s["store"], serial=f"A{i}")
    factories.placement(d, s["recipient"])
    login(client, s["tech"])
    client.get("/devices")
    with count_statements(app) as few:
        client.get("/devices")
    others = [factories.recipient(s["m"]) for _ in range(5)]
    for i in range(37):
        d = factories.device(s["product"], s["store"], serial=f"B{i}")
        if i < 5:
            factories.placement(d, others[i])
    with count_statements(app) as many:
        html = client.get("/devices").get_data(as_text=True)
    assert "B36" in html
    assert len(few) == len(many)


def test_service_ended_with_devices_out_is_listed(client, setup, factories):
    """A recipient whose service ended while the alarm is still at home shows up for follow-up."""
    from datetime import date

    s = setup
    device = factories.device(s["product"], s["store"])
    factories.placement(device, s["recipient"])
    done = factories.recipient(s["m"], name="Ferdig Fredriksen", service_ended_on=date(2026, 1, 5))
    login(client, s["tech"])
    page = client.get(f"/recipients/{s['recipient'].id}/edit").get_data(as_text=True)
    response = client.post(
        f"/recipients/{s['recipient'].id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "version": version_of(page),
            "name": "Kari Nordmann",
            "service_ended_on": "2026-11-01",
            "relatives": "Ola Nordmann; 91234567; sønn; ja",
        },
    )
    assert response.status_code == 302
    html = client.get("/recipients/service-ended").get_data(as_text=True)
    listed = re.search(r'data-testid="service-ended">(.*?)</ul>', html, re.S).group(1)
    assert "Kari Nordmann" in listed
    assert done.name not in listed
    detail = client.get(f"/recipients/{s['recipient'].id}").get_data(as_text=True)
    assert "Ola Nordmann" in detail
    assert "+4791234567" in detail


def test_long_device_list_counts_up_to_the_cap(app, client, setup, factories, monkeypatch):
    """Above the cap the list says «more than …» and still pages to the last device."""
    s = setup
    for i in range(60):
        factories.device(s["product"], s["store"], serial=f"C{i:03d}")
    login(client, s["tech"])
    # The application is shared by the whole session: the setting is put back after.
    monkeypatch.setitem(app.config, "LIST_COUNT_CAP", 100)
    html = client.get("/devices").get_data(as_text=True)
    assert re.search(r'data-testid="device-count">\s*60 enheter', html)
    assert "Side 1 av 2" in html
    monkeypatch.setitem(app.config, "LIST_COUNT_CAP", 5)
    html = client.get("/devices").get_data(as_text=True)
    assert re.search(r'data-testid="device-count">\s*Mer enn 5 enheter', html)
    assert "Side 1<" in html
    assert "Side 1 av" not in html
    assert "C049" in html
    assert "C050" not in html
    assert 'page=2">Neste' in html
    last = client.get("/devices?page=2").get_data(as_text=True)
    assert "C050" in last
    assert "C059" in last
    assert "C049" not in last
    assert ">Neste<" not in last
    assert ">Forrige<" in last
