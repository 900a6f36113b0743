"""«Mine oppdrag i dag», QR labels and the scan page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import count_statements, csrf_from, login
from vftops.equipment.models import Visit
from vftops.extensions import db


def oslo_today():
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


@pytest.fixture
def day(factories):
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    store = factories.store(m, name="Sentrallager")
    product = factories.product("safety_alarm", model="Lifeline Vi+")
    recipient = factories.recipient(
        m,
        name="Kari Nordmann",
        address="Kjøpmannsgata 1",
        access_note="Nøkkelboks ved døra",
        phone="91234567",
    )
    tech = factories.user("technician", municipalities=[m], username="tore")
    desk = factories.user("servicedesk", municipalities=[m], username="siri")
    return {
        "m": m,
        "other": other,
        "store": store,
        "product": product,
        "recipient": recipient,
        "tech": tech,
        "desk": desk,
    }


def plan(client, recipient_id, data):
    page = client.get(f"/recipients/{recipient_id}/visits/new").get_data(as_text=True)
    return client.post(
        f"/recipients/{recipient_id}/visits/new", data={**data, "csrf_token": csrf_from(page)}
    )


def test_service_desk_plans_a_job_that_shows_on_the_technicians_list(app, client, day, factories):
    """The service desk puts an install on Tore's list; Tore sees it with address and access note."""
    d = day
    device = factories.device(d["product"], d["store"], serial="JOB-1")
    login(client, d["desk"])
    today = oslo_today().isoformat()
    response = plan(
        client,
        d["recipient"].id,
        {
            "kind": "install",
            "assigned_to_id": d["tech"].id,
            "planned_on": today,
            "device_id": device.id,
            "note": "Ring før du kommer",
        },
    )
    assert response.status_code == 302
    tech = app.test_client()
    login(tech, d["tech"])
    start = tech.get("/").get_data(as_text=True)
    assert 'data-testid="task-jobs-today"' in start
    html = tech.get("/my-day").get_data(as_text=True)
    jobs = re.search(r'data-testid="jobs-today">(.*?)</ul>', html, re.S).group(1)
    assert "Kari Nordmann" in jobs
    assert "Nøkkelboks ved døra" in jobs
    assert "Ring før du kommer" in jobs
    assert f"/devices/{device.id}/install?recipient={d['recipient'].id}" in jobs.replace(
        "&amp;", "&"
    )
    # Done: it leaves the list.
    with app.app_context():
        visit_id = db.session.scalar(select(Visit.id))
    response = tech.post(
        f"/visits/{visit_id}/finish", data={"csrf_token": csrf_from(html), "status": "done"}
    )
    assert response.status_code == 302
    html = tech.get("/my-day").get_data(as_text=True)
    assert 'data-testid="no-jobs"' in html
    with app.app_context():
        assert db.session.get(Visit, visit_id).status == "done"


def test_job_for_someone_who_cannot_install_is_refused(client, day, factories):
    """A job can only go to a technician who works in the recipient's municipality."""
    d = day
    outsider = factories.user("technician", municipalities=[d["other"]], username="ola")
    login(client, d["desk"])
    response = plan(
        client,
        d["recipient"].id,
        {
            "kind": "test",
            "assigned_to_id": outsider.id,
            "planned_on": oslo_today().isoformat(),
        },
    )
    # Ola is not even offered: the choice is refused beside the field.
    assert response.status_code == 422
    assert 'id="assigned_to_id-error"' in response.get_data(as_text=True)


def test_future_jobs_are_listed_for_the_coming_week(app, client, day):
    """A job planned for next week shows under «the coming week», not today."""
    d = day
    login(client, d["tech"])
    soon = (oslo_today() + timedelta(days=3)).isoformat()
    assert (
        plan(
            client,
            d["recipient"].id,
            {
                "kind": "test",
                "assigned_to_id": d["tech"].id,
                "planned_on": soon,
            },
        ).status_code
        == 302
    )
    html = client.get("/my-day").get_data(as_text=True)
    assert 'data-testid="no-jobs"' in html
    later = re.search(r'data-testid="jobs-later">(.*?)</ul>', html, re.S).group(1)
    assert "Kari Nordmann" in later


def test_finishing_a_job_twice_is_refused(app, client, day):
    """A job marked done cannot be marked again."""
    d = day
    login(client, d["tech"])
    plan(
        client,
        d["recipient"].id,
        {
            "kind": "test",
            "assigned_to_id": d["tech"].id,
            "planned_on": oslo_today().isoformat(),
        },
    )
    with app.app_context():
        visit_id = db.session.scalar(select(Visit.id))
    token = csrf_from(client.get("/my-day").get_data(as_text=True))
    client.post(f"/visits/{visit_id}/finish", data={"csrf_token": token, "status": "done"})
    response = client.post(
        f"/visits/{visit_id}/finish", data={"csrf_token": token, "status": "done"}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "allerede avsluttet" in html


def test_labels_carry_a_qr_code_of_the_device_page(app, client, day, factories, monkeypatch):
    """Each printed label's QR code opens that device's page at the installation's own
    address (VFTOPS_BASE_URL), whatever Host the printing request named."""
    from vftops.equipment.qr import qr_svg

    monkeypatch.setitem(app.config, "BASE_URL", "https://vftops.stjordal.kommune.no")
    d = day
    devices = [factories.device(d["product"], d["store"], serial=f"LBL-{i}") for i in range(3)]
    client.environ_base["HTTP_HOST"] = "evil.example"  # every request names that host
    login(client, d["tech"])
    ids = ",".join(str(x.id) for x in devices)
    html = client.get(f"/devices/labels?ids={ids}").get_data(as_text=True)
    assert html.count('<figure class="device-label">') == 3
    path = f"/devices/{devices[1].id}"
    assert str(qr_svg(f"https://vftops.stjordal.kommune.no{path}")) in html
    assert str(qr_svg(f"http://evil.example{path}")) not in html
    assert "LBL-1" in html


def test_labels_for_a_filter_and_not_for_another_municipality(client, day, factories):
    """The label sheet follows the list's filter and never prints another municipality's devices."""
    d = day
    factories.device(d["product"], d["store"], serial="MINE-1")
    their_store = factories.store(d["other"], name="Meråker lager")
    theirs = factories.device(d["product"], their_store, serial="THEIRS-1")
    login(client, d["tech"])
    html = client.get(f"/devices/labels?q=MINE&ids={theirs.id}").get_data(as_text=True)
    assert "THEIRS-1" not in html
    html = client.get("/devices/labels?q=MINE").get_data(as_text=True)
    assert "MINE-1" in html


def test_receiving_a_delivery_offers_its_labels(client, day):
    """After a delivery is registered, one click prints exactly its labels."""
    d = day
    login(client, d["tech"])
    page = client.get("/devices/receive").get_data(as_text=True)
    response = client.post(
        "/devices/receive",
        data={
            "csrf_token": csrf_from(page),
            "product_id": d["product"].id,
            "store_id": d["store"].id,
            "serials": "DEL-1\nDEL-2",
        },
    )
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'data-testid="delivery-labels">\s*<a href="([^"]+)"', listing).group(1)
    sheet = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert sheet.count('<figure class="device-label">') == 2


def test_label_sheet_queries_do_not_grow(app, client, day, factories):
    """Printing 30 labels costs the same queries as printing 3."""
    d = day
    first = [factories.device(d["product"], d["store"], serial=f"A{i}") for i in range(3)]
    login(client, d["tech"])
    client.get("/devices/labels?q=A")
    with count_statements(app) as few:
        client.get("/devices/labels?q=A")
    for i in range(27):
        factories.device(d["product"], d["store"], serial=f"A{i + 10}")
    with count_statements(app) as many:
        html = client.get("/devices/labels?q=A").get_data(as_text=True)
    assert html.count('<figure class="device-label">') == 30
    assert len(few) == len(many)
    assert first


def test_scan_page_works_without_a_camera(client, day, factories):
    """The scan page falls back to typing; a typed serial opens the device."""
    d = day
    device = factories.device(d["product"], d["store"], serial="SCAN-77")
    login(client, d["tech"])
    html = client.get("/scan").get_data(as_text=True)
    assert 'id="scan-input"' in html
    assert "/static/js/scan.js" in html
    response = client.get("/search?q=scan-77&go=1")
    assert response.headers["Location"] == f"/devices/{device.id}"


def test_a_job_naming_another_municipalitys_objects_is_refused(app, client, day, factories):
    """A posted form that names Meråker's placement or technician is the field's error, and
    Meråker's device is not found: no job is planned with any of them."""
    d = day
    their_store = factories.store(d["other"], name="Lager Meråker")
    their_device = factories.device(d["product"], their_store, serial="MER-7")
    their_placement = factories.placement(
        factories.device(d["product"], their_store, serial="MER-8"),
        factories.recipient(d["other"], name="Berit Meråker"),
    )
    their_tech = factories.user("technician", municipalities=[d["other"]])
    login(client, d["desk"])
    base = {"kind": "test", "assigned_to_id": d["tech"].id, "planned_on": oslo_today().isoformat()}
    for field, value in (
        ("placement_id", their_placement.id),
        ("assigned_to_id", their_tech.id),
    ):
        response = plan(client, d["recipient"].id, {**base, field: value})
        assert response.status_code == 422, field
        assert "Ikke et gyldig valg" in response.get_data(as_text=True), field
    foreign_device = plan(
        client, d["recipient"].id, {**base, "kind": "install", "device_id": their_device.id}
    )
    assert foreign_device.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Visit)).all() == []
