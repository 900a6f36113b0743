"""Periodic function tests: the interval on the product, the due list, recording a test."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import count_statements, csrf_from, login
from vftops.auth.models import User
from vftops.core.audit import AuditEvent
from vftops.core.errors import ConflictError, ValidationError
from vftops.core.models import local_today, utcnow
from vftops.equipment import operations as eq
from vftops.equipment.models import Device, Product, Recipient, Store
from vftops.extensions import db
from vftops.support import function_tests as ft
from vftops.support import operations as ops
from vftops.support.models import FunctionTest, Ticket

DAY = timedelta(days=1)


@pytest.fixture
def rounds(app, factories):
    """Stjørdal: safety alarms tested every 6 months, door sensors never; a technician
    team gets equipment faults. Meråker has an alarm of its own."""
    m = factories.municipality(name="Stjørdal", number="5035")
    other = factories.municipality(name="Meråker", number="5034")
    zone = factories.unit(m, name="Sone Hegra", kind="sone")
    tech = factories.user("technician", municipalities=[m], username="tor")
    tech2 = factories.user("technician", municipalities=[m], username="siri")
    desk = factories.user("servicedesk", municipalities=[m], username="anne")
    buyer = factories.user("procurement", municipalities=[m], username="innkjop")
    alarm = factories.product("safety_alarm", model="Lifeline Vi+", test_interval_months=6)
    sensor = factories.product("door_sensor", model="Dørsensor")
    store = factories.store(m, name="Sentrallager")
    with app.app_context():
        ops.create_team(None, m.id, name="Servicedesk", kind="servicedesk", is_default=True)
        technicians = ops.create_team(
            None,
            m.id,
            name="Teknikere",
            kind="technicians",
            members=[db.session.get(User, tech.id)],
        )
        ops.save_rule(None, m.id, team=technicians, position=10, kind="equipment_fault")
        db.session.commit()
        technicians_id = technicians.id
    foreign = factories.device(alarm, factories.store(other, name="Meråker lager"), serial="M-1")
    factories.placement(foreign, factories.recipient(other, name="Ola Meråker"))
    return SimpleNamespace(
        m=m,
        other=other,
        zone=zone,
        tech=tech,
        tech2=tech2,
        desk=desk,
        buyer=buyer,
        alarm=alarm,
        sensor=sensor,
        store=store,
        foreign=foreign,
        technicians=technicians_id,
    )


def _installed(factories, rounds, serial, *, months_ago=8, product=None, **recipient):
    device = factories.device(product or rounds.alarm, rounds.store, serial=serial)
    person = factories.recipient(
        rounds.m, name=recipient.pop("name", f"Mottaker {serial}"), **recipient
    )
    factories.placement(device, person, installed_at=utcnow() - months_ago * 30 * DAY)
    return SimpleNamespace(id=device.id, serial=serial, recipient_id=person.id)


def _tested(app, device, days_ago: int, result="passed"):
    with app.app_context():
        ft.record_function_test(
            None,
            db.session.get(Device, device.id),
            result=result,
            note=None,
            tested_at=utcnow() - days_ago * DAY,
        )
        db.session.commit()


def _post(client, url, data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)})


# --- the interval on the product --------------------------------------------------------


def test_the_test_interval_on_the_product_form_and_the_api(app, client, factories, rounds):
    login(client, rounds.buyer)
    product = {"category": "safety_alarm", "manufacturer": "Doro", "model": "Care 500"}
    bad = _post(client, "/products/new", {**product, "test_interval_months": "1,5"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Funksjonstest hver … måned" in html
    assert 'value="1,5"' in html
    assert "Oppgi testintervallet som et helt antall måneder fra 1 til 120." in html
    ok = _post(client, "/products/new", {**product, "test_interval_months": "12"})
    assert ok.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(Product).where(Product.model == "Care 500"))
        assert made.test_interval_months == 12
        product_id = made.id
    api = factories.api(rounds.buyer)
    assert api.get(f"/api/v1/products/{product_id}").get_json()["test_interval_months"] == 12
    changed = api.patch(f"/api/v1/products/{product_id}", json={"test_interval_months": None})
    assert changed.status_code == 200
    assert changed.get_json()["test_interval_months"] is None


def test_support_hours_on_the_supplier_form_and_the_api(app, client, factories, rounds):
    login(client, rounds.buyer)
    ok = _post(
        client,
        "/suppliers/new",
        {
            "name": "Tunstall AS",
            "support_phone": "22 00 00 00",
            "support_hours": "hverdager 08–16",
            "out_of_hours_note": "tillegg 1 200 kr per utrykning",
        },
    )
    assert ok.status_code == 302
    api = factories.api(rounds.buyer)
    listed = api.get("/api/v1/suppliers?q=Tunstall").get_json()["items"][0]
    assert listed["support_hours"] == "hverdager 08–16"
    assert listed["out_of_hours_note"] == "tillegg 1 200 kr per utrykning"
    form = client.get(f"/suppliers/{listed['id']}/edit").get_data(as_text=True)
    assert 'value="hverdager 08–16"' in form


# --- recording a test -------------------------------------------------------------------


def test_a_failed_test_opens_a_linked_ticket(app, client, factories, rounds):
    """The technician presses «Ikke bestått»: a ticket about the device and its recipient is
    routed to the technicians at once, urgent because it is a safety alarm."""
    device = _installed(factories, rounds, "AL-1", name="Kari Nordmann")
    login(client, rounds.tech)
    page = client.get(f"/support/function-tests/{device.id}/record").get_data(as_text=True)
    assert "Funksjonstest av AL-1" in page
    assert "Kari Nordmann" in page
    done = _post(
        client,
        f"/support/function-tests/{device.id}/record",
        {"result": "failed", "note": "Ingen kontakt med alarmsentralen ved testalarm"},
    )
    assert done.status_code == 302
    with app.app_context():
        test = db.session.scalar(select(FunctionTest))
        assert (test.result, test.tested_by_id) == ("failed", rounds.tech.id)
        ticket = db.session.get(Ticket, test.ticket_id)
        assert ticket.title == "Funksjonstest ikke bestått: Tunstall Lifeline Vi+ AL-1"
        assert (ticket.kind, ticket.channel, ticket.reporter_kind) == (
            "equipment_fault",
            "web",
            "employee",
        )
        assert [d.serial_number for d in ticket.devices] == ["AL-1"]
        assert ticket.recipient_id == device.recipient_id
        assert ticket.team_id == rounds.technicians
        assert ticket.urgency == "high"
        assert "Ingen kontakt med alarmsentralen" in ticket.description
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "function_test.record")
        )
        assert event.summary == f"Funksjonstest av AL-1: ikke bestått, sak #{ticket.id} opprettet"
        ticket_id = ticket.id
    again = client.get(f"/support/function-tests/{device.id}/record").get_data(as_text=True)
    assert f"Sak #{ticket_id}" in again


def test_a_passed_test_opens_nothing_and_takes_the_device_off_the_list(
    app, client, factories, rounds
):
    device = _installed(factories, rounds, "AL-1")
    login(client, rounds.tech)
    listing = client.get("/support/function-tests").get_data(as_text=True)
    assert 'data-testid="due-' + str(device.id) + '"' in listing
    done = _post(
        client,
        f"/support/function-tests/{device.id}/record?next=/support/function-tests",
        {"result": "passed", "note": ""},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/support/function-tests"
    after = client.get("/support/function-tests").get_data(as_text=True)
    assert "Funksjonstesten av AL-1 er registrert: bestått." in after
    assert 'data-testid="due-' + str(device.id) + '"' not in after
    with app.app_context():
        assert db.session.scalar(select(Ticket.id)) is None


def test_a_test_without_a_result_is_refused_and_the_note_kept(app, client, factories, rounds):
    device = _installed(factories, rounds, "AL-1")
    login(client, rounds.tech)
    bad = _post(client, f"/support/function-tests/{device.id}/record", {"note": "Knappen henger"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Velg om testen ble bestått eller ikke." in html
    assert "Knappen henger" in html
    with app.app_context():
        assert db.session.scalar(select(FunctionTest.id)) is None


def test_only_an_installed_device_is_tested(app, client, factories, rounds):
    loose = factories.device(rounds.alarm, rounds.store, serial="STOCK-1")
    login(client, rounds.tech)
    page = client.get(f"/support/function-tests/{loose.id}/record")
    assert page.status_code == 200
    assert "STOCK-1 er ikke installert hos en tjenestemottaker" in page.get_data(as_text=True)
    token = csrf_from(client.get("/support/function-tests").get_data(as_text=True))
    refused = client.post(
        f"/support/function-tests/{loose.id}/record",
        data={"result": "failed", "csrf_token": token},
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(FunctionTest.id)) is None
        assert db.session.scalar(select(Ticket.id)) is None


def test_another_municipalitys_device_answers_404(app, client, rounds):
    login(client, rounds.tech)
    assert client.get(f"/support/function-tests/{rounds.foreign.id}/record").status_code == 404
    listing = client.get("/support/function-tests").get_data(as_text=True)
    assert "Ola Meråker" not in listing
    assert (
        client.get(f"/support/function-tests?municipality_id={rounds.other.id}").status_code == 404
    )


def test_the_operation_checks_the_time_of_the_test(app, factories, rounds):
    device = _installed(factories, rounds, "AL-1", months_ago=2)
    with app.app_context():
        d = db.session.get(Device, device.id)
        with pytest.raises(ValidationError) as early:
            ft.record_function_test(None, d, result="passed", tested_at=utcnow() - 90 * DAY)
        assert set(early.value.fields) == {"tested_at"}
        with pytest.raises(ValidationError) as future:
            ft.record_function_test(None, d, result="passed", tested_at=utcnow() + DAY)
        assert set(future.value.fields) == {"tested_at"}
        with pytest.raises(ValidationError) as unknown:
            ft.record_function_test(None, d, result="maybe")
        assert set(unknown.value.fields) == {"result"}
        placement = ft.open_placement_of(d)
        eq.return_device(
            None,
            placement,
            reason="service_ended",
            destination="store",
            store=db.session.get(Store, rounds.store.id),
        )
        with pytest.raises(ConflictError):
            ft.record_function_test(None, d, result="passed")
        db.session.rollback()
        assert db.session.scalar(select(FunctionTest.id)) is None


# --- the due list ---------------------------------------------------------------------


def test_the_due_list_shows_a_device_tested_seven_months_ago_not_one_tested_last_month(
    app, client, factories, rounds
):
    """6-month interval: tested 7 months ago is overdue; tested last month is not due;
    installed 5 months and 3 weeks ago and never tested is due within 30 days; a door
    sensor has no interval and is never listed."""
    late = _installed(factories, rounds, "LATE-1", name="Kari Sent")
    _tested(app, late, 7 * 30)
    fresh = _installed(factories, rounds, "FRESH-1", name="Per Fersk")
    _tested(app, fresh, 30)
    soon = _installed(factories, rounds, "SOON-1", months_ago=0, name="Liv Snart")
    with app.app_context():
        placement = ft.open_placement_of(db.session.get(Device, soon.id))
        placement.installed_at = utcnow() - (6 * 30 - 21) * DAY
        db.session.commit()
    _installed(factories, rounds, "SENSOR-1", product=rounds.sensor, name="Ove Sensor")
    login(client, rounds.tech)
    html = client.get("/support/function-tests").get_data(as_text=True)
    rows = html.split('data-testid="due-list"')[1]
    assert "LATE-1" in rows
    assert "Kari Sent" in rows
    assert "FRESH-1" not in rows
    assert "SOON-1" in rows
    assert "SENSOR-1" not in rows
    assert rows.index("LATE-1") < rows.index("SOON-1")  # the most overdue first
    late_row = rows.split(f'data-testid="due-{late.id}"')[1].split("</tr>")[0]
    assert "dager over fristen" in late_row
    assert "2 enheter." in html

    overdue = client.get("/support/function-tests?overdue=y").get_data(as_text=True)
    assert "LATE-1" in overdue
    assert "SOON-1" not in overdue
    with app.app_context():
        assert ft.overdue_count(db.session.get(User, rounds.tech.id)) == 1


def test_the_due_list_per_unit_and_per_technician(app, client, factories, rounds):
    in_zone = _installed(factories, rounds, "ZONE-1", unit_id=rounds.zone.id)
    elsewhere = _installed(factories, rounds, "ELSE-1")
    with app.app_context():
        recipient = db.session.get(Recipient, elsewhere.recipient_id)
        eq.plan_visit(
            None,
            recipient,
            kind="test",
            assigned_to=db.session.get(User, rounds.tech2.id),
            planned_on=local_today() + 3 * DAY,
        )
        db.session.commit()
    login(client, rounds.tech)
    by_unit = client.get(f"/support/function-tests?unit_id={rounds.zone.id}").get_data(as_text=True)
    assert "ZONE-1" in by_unit
    assert "ELSE-1" not in by_unit
    by_technician = client.get(f"/support/function-tests?technician_id={rounds.tech2.id}").get_data(
        as_text=True
    )
    assert "ELSE-1" in by_technician
    assert "ZONE-1" not in by_technician
    assert "Person Siri" in by_technician.split('data-testid="due-list"')[1]
    mine = client.get(f"/support/function-tests?technician_id={rounds.tech.id}").get_data(
        as_text=True
    )
    assert "0 enheter." in mine
    assert in_zone.id != elsewhere.id


def test_the_due_list_reads_a_fixed_number_of_statements(app, client, factories, rounds):
    """Three due devices or thirty: the page costs the same number of statements."""

    def add(start, n):
        for i in range(start, start + n):
            device = _installed(factories, rounds, f"N-{i}", unit_id=rounds.zone.id)
            if i % 2:
                _tested(app, device, 200, result="failed" if i % 3 else "passed")

    add(0, 3)
    login(client, rounds.tech)
    client.get("/support/function-tests")
    with count_statements(app) as few:
        small = client.get("/support/function-tests").get_data(as_text=True)
    add(3, 27)
    with count_statements(app) as many:
        big = client.get("/support/function-tests").get_data(as_text=True)
    assert "3 enheter." in small
    assert "30 enheter." in big
    assert len(many) == len(few), many


def test_the_due_list_pages_through_a_long_list(app, client, factories, rounds):
    for i in range(55):
        device = factories.device(rounds.alarm, rounds.store, serial=f"P-{i:03d}")
        person = factories.recipient(rounds.m, name=f"Mottaker {i}")
        factories.placement(device, person, installed_at=utcnow() - (300 - i) * DAY)
    login(client, rounds.tech)
    first = client.get("/support/function-tests").get_data(as_text=True)
    assert "55 enheter." in first
    assert len(re.findall(r'data-testid="due-\d+"', first)) == 50
    second = client.get("/support/function-tests?page=2").get_data(as_text=True)
    assert "P-054" in second
    assert "P-000" not in second


# --- calendar months ------------------------------------------------------------------


def test_months_stop_at_the_end_of_a_short_month():
    assert ft.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert ft.add_months(date(2026, 1, 15), 6) == date(2026, 7, 15)
    # The last day that is due by 28 February: 31 August (6 months), 28 January (1 month).
    assert ft.latest_start(date(2027, 2, 28), 6) == date(2026, 8, 31)
    assert ft.latest_start(date(2026, 3, 15), 1) == date(2026, 2, 15)
    assert ft.latest_start(date(2026, 3, 30), 1) == date(2026, 2, 28)
    for start in (date(2026, 8, 30), date(2026, 8, 31), date(2026, 9, 1)):
        due = ft.add_months(start, 6)
        assert (due <= date(2027, 2, 28)) == (start <= ft.latest_start(date(2027, 2, 28), 6))
